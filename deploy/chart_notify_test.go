package deploy

import (
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// TestChartNotifyWebhookSecret (issue 12, notifications): with settings.notifyWebhookSecret,
// the chart sets RIGEL_NOTIFY_WEBHOOK_SECRET and lets Rigel read that Secret, and only it;
// without it, Rigel reads no other Secret.
func TestChartNotifyWebhookSecret(t *testing.T) {
	readsSecret := func(role rbacv1.Role, name string) bool {
		for _, r := range role.Rules {
			if slices.Contains(r.Resources, "secrets") && slices.Contains(r.ResourceNames, name) && slices.Equal(r.Verbs, []string{"get"}) {
				return true
			}
		}
		return false
	}
	for _, secret := range []string{"", "rigel-slack"} {
		vals := map[string]any{}
		if secret != "" {
			vals["settings"] = map[string]any{"notifyWebhookSecret": secret}
		}
		objs := renderChart(t, rigelNS, vals)
		var role rbacv1.Role
		convert(t, find(t, objs, "Role", rigelNS, "rigel"), &role)
		if got := readsSecret(role, "rigel-slack"); got != (secret != "") {
			t.Errorf("notifyWebhookSecret %q: the Role reads Secret rigel-slack: %v", secret, got)
		}
		if env := chartEnv(t, objs, rigelNS); env["RIGEL_NOTIFY_WEBHOOK_SECRET"] != secret {
			t.Errorf("notifyWebhookSecret %q: RIGEL_NOTIFY_WEBHOOK_SECRET %q", secret, env["RIGEL_NOTIFY_WEBHOOK_SECRET"])
		}
	}
}
