package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// handOverApp is the folder's Deployment; extra adds the label and the env var that kubectl
// applied and git no longer has.
func handOverApp(ns string, extra bool) string {
	label, env := "", ""
	if extra {
		label = "    tier: old\n"
		env = "        - name: DEBUG\n          value: \"1\"\n"
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  namespace: %s
  labels:
    app: legacy
%sspec:
  replicas: 1
  selector:
    matchLabels:
      app: legacy
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: MODE
          value: prod
%s`, ns, label, env)
}

// Issue 12: a field removed from git disappears from an object first created by client-side
// `kubectl apply`: the preview shows the hand-over and the removal, the apply removes it, and
// a second preview is unchanged. The Deployment is linked to the deployment (its live values
// are shown); the ConfigMap is not (its removed field is counted, not named).
func TestHandOverFromKubectlApply(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("handover")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cluster.KubectlApply(t, handOverApp(ns, true))
	cluster.KubectlApply(t, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  namespace: %s\ndata:\n  color: blue\n  private-key-name: was-here\n", ns))

	r := newRepo(t, map[string]string{
		"apps/web/k8s/deploy.yaml": handOverApp(ns, false),
		"apps/web/k8s/conf.yaml":   fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  namespace: %s\ndata:\n  color: blue\n", ns),
	})
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s"), "Registered deployment `web`")
	mustContain(t, c.reply(fmt.Sprintf("/rigel link deploy/legacy -n %s web", ns)), "✅ Linked Deployment `legacy`")

	// The HTTP API's preview says the same.
	api := b.api("POST", "/api/git/sync", map[string]any{"repo": r.full, "deployment": "web"}, http.StatusOK)
	mustContain(t, api.raw, `"handOver":{"managers":["kubectl-client-side-apply"],"removed":["metadata.labels.tier","spec.template.spec.containers[name=web].env[name=DEBUG]"]}`,
		`"handOver":{"managers":["kubectl-client-side-apply"],"removed":[],"unnamed":1}`)
	mustNotContain(t, api.raw, "private-key-name", "was-here")

	got := c.reply("/rigel sync web")
	mustContain(t, got,
		"<code>Deployment/"+ns+"/legacy</code> from <code>apps/web/k8s/deploy.yaml</code> — 🤝 hand-over from kubectl apply</summary>",
		"client-side `kubectl apply` (`kubectl-client-side-apply`) manages fields of this object",
		"`metadata.labels.tier`, `spec.template.spec.containers[name=web].env[name=DEBUG]` (the diff below shows them)",
		"-    tier: old", "-        - name: DEBUG",
		"1 field (not named: this deployment does not manage the object)",
		"**Next:** `/rigel apply web`")
	mustNotContain(t, got, "private-key-name", "was-here")

	mustContain(t, c.reply("/rigel apply web"), "Succeeded")
	d, err := kc.Typed.AppsV1().Deployments(ns).Get(ctx, "legacy", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Labels["tier"]; ok {
		t.Errorf("label tier after the apply: %v", d.Labels)
	}
	if env := d.Spec.Template.Spec.Containers[0].Env; len(env) != 1 || env[0].Name != "MODE" {
		t.Errorf("env after the apply: %+v", env)
	}
	for _, mf := range d.ManagedFields {
		if mf.Manager == "kubectl-client-side-apply" {
			t.Errorf("kubectl-client-side-apply still manages fields of the Deployment: %+v", mf)
		}
	}
	if cm := getConfigMap(t, ns, "conf"); len(cm.Data) != 1 || cm.Data["color"] != "blue" {
		t.Errorf("ConfigMap data after the apply: %v", cm.Data)
	}

	got = c.reply("/rigel sync web")
	mustContain(t, got, "2 unchanged")
	mustNotContain(t, got, "hand-over")
}
