package config

import (
	"strings"
	"testing"
)

// TestNotifySettings: GitHub Deployments are on by default and RIGEL_NOTIFY_DEPLOYMENTS=false
// turns them off; the webhook is off until RIGEL_NOTIFY_WEBHOOK_SECRET names a Secret of its
// own (its key "url" unless said), and bad names are refused.
func TestNotifySettings(t *testing.T) {
	tests := []struct {
		env         map[string]string
		deployments bool
		secret, key string
		problem     string // in the validation's problems; "": none about notifications
	}{
		{env: nil, deployments: true, key: "url"},
		{env: map[string]string{"RIGEL_NOTIFY_DEPLOYMENTS": "false"}, key: "url"},
		{env: map[string]string{"RIGEL_NOTIFY_WEBHOOK_SECRET": "rigel-slack", "RIGEL_NOTIFY_WEBHOOK_KEY": "webhook"}, deployments: true, secret: "rigel-slack", key: "webhook"},
		{env: map[string]string{"RIGEL_NOTIFY_WEBHOOK_SECRET": "Not A Name"}, deployments: true, secret: "Not A Name", key: "url", problem: "RIGEL_NOTIFY_WEBHOOK_SECRET"},
		{env: map[string]string{"RIGEL_NOTIFY_WEBHOOK_SECRET": CredentialSecret}, deployments: true, secret: CredentialSecret, key: "url", problem: "a Secret of its own"},
		{env: map[string]string{"RIGEL_NOTIFY_WEBHOOK_SECRET": "s", "RIGEL_NOTIFY_WEBHOOK_KEY": "a/b"}, deployments: true, secret: "s", key: "a/b", problem: "RIGEL_NOTIFY_WEBHOOK_KEY"},
	}
	for _, tt := range tests {
		s := defaultSettings()
		for _, row := range settingsTable() {
			if row.fromEnv != nil {
				if err := row.fromEnv(s, envFunc(tt.env)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if s.NotifyDeployments != tt.deployments || s.NotifyWebhookSecret != tt.secret || s.NotifyWebhookKey != tt.key {
			t.Errorf("%v: deployments %v secret %q key %q", tt.env, s.NotifyDeployments, s.NotifyWebhookSecret, s.NotifyWebhookKey)
		}
		got := strings.Join(s.notifyProblems(), "; ")
		if (tt.problem == "") != (got == "") || !strings.Contains(got, tt.problem) {
			t.Errorf("%v: problems %q, want %q", tt.env, got, tt.problem)
		}
	}
}
