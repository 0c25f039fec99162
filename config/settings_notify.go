package config

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultNotifyWebhookKey is the key of the Secret RIGEL_NOTIFY_WEBHOOK_SECRET that holds the
// webhook's URL when RIGEL_NOTIFY_WEBHOOK_KEY does not say (issue 12).
const DefaultNotifyWebhookKey = "url"

// notifyProblems are what is wrong with the notification settings: the webhook's Secret must
// be a Secret's name, and its key a Secret's key; the URL itself is read from the Secret when
// a message is sent (so that it can be rotated), never from the settings.
func (s *Settings) notifyProblems() []string {
	var out []string
	if s.NotifyWebhookSecret != "" {
		if errs := validation.IsDNS1123Subdomain(s.NotifyWebhookSecret); len(errs) > 0 {
			out = append(out, fmt.Sprintf("RIGEL_NOTIFY_WEBHOOK_SECRET %q is not a Secret's name: %s", s.NotifyWebhookSecret, errs[0]))
		}
		if s.NotifyWebhookSecret == CredentialSecret || s.NotifyWebhookSecret == APISecret {
			out = append(out, fmt.Sprintf("RIGEL_NOTIFY_WEBHOOK_SECRET must name a Secret of its own, not %s", s.NotifyWebhookSecret))
		}
	}
	if s.NotifyWebhookKey != "" {
		if errs := validation.IsConfigMapKey(s.NotifyWebhookKey); len(errs) > 0 {
			out = append(out, fmt.Sprintf("RIGEL_NOTIFY_WEBHOOK_KEY %q is not a Secret's key: %s", s.NotifyWebhookKey, errs[0]))
		}
	}
	return out
}

// WebhookKey is the key of the webhook's Secret that holds its URL: NotifyWebhookKey, or
// DefaultNotifyWebhookKey when empty.
func (s *Settings) WebhookKey() string {
	if s.NotifyWebhookKey == "" {
		return DefaultNotifyWebhookKey
	}
	return s.NotifyWebhookKey
}
