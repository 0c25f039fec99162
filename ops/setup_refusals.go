package ops

import (
	"fmt"
	"time"

	"github.com/rigel-gitops/rigel/config"
)

// The refusals of the registration of Rigel's GitHub App (setup.go). None of them holds a
// credential, a code or a state: only what was wrong and what to do. Nothing was changed.

// SetupClosed: Rigel already has a GitHub identity, so /setup registers none: the app it
// runs as or the Secret holds (AppID), or a token (Login).
type SetupClosed struct {
	Mode              string // config.ModeApp or config.ModeToken
	AppID             int64  // the app's id, when Mode is an app
	Login             string // the token's login, when Mode is a token
	Secret, Namespace string
}

func (e *SetupClosed) Error() string {
	if e.Mode != config.ModeToken {
		id := "an id that is not one"
		if e.AppID > 0 {
			id = fmt.Sprintf("id %d", e.AppID)
		}
		return fmt.Sprintf("a GitHub App is already configured (%s): to register another, delete the keys app-id, private-key and webhook-secret from the Secret %s/%s and restart Rigel", id, e.Namespace, e.Secret)
	}
	return fmt.Sprintf("Rigel already acts with the token of %s: to register a GitHub App instead, delete the keys token and login from the Secret %s/%s and restart Rigel", e.Login, e.Namespace, e.Secret)
}

// Refused marks SetupClosed as a refusal.
func (e *SetupClosed) Refused() {}

// SetupSecretMissing: the Secret helmsman-github does not exist. Rigel's Role may update it
// but not create it, so an app registered now could not be stored: create it empty first.
type SetupSecretMissing struct {
	Secret, Namespace string
}

func (e *SetupSecretMissing) Error() string {
	return fmt.Sprintf("the Secret %s/%s does not exist, and Rigel may only update it: create it empty first (kubectl -n %s create secret generic %s)", e.Namespace, e.Secret, e.Namespace, e.Secret)
}

// Refused marks SetupSecretMissing as a refusal.
func (e *SetupSecretMissing) Refused() {}

// SetupWebhookOverride: the webhook secret is set by RIGEL_WEBHOOK_SECRET or the config
// file, which take precedence over the Secret: the secret GitHub gives the new app would not
// be used, and every delivery would be refused.
type SetupWebhookOverride struct{}

func (e *SetupWebhookOverride) Error() string {
	return "the webhook secret is set by RIGEL_WEBHOOK_SECRET or the config file's webhookSecret, which take precedence over the Secret: unset it and restart Rigel, so that the app's own webhook secret is used"
}

// Refused marks SetupWebhookOverride as a refusal.
func (e *SetupWebhookOverride) Refused() {}

// SetupInvalid refuses a field of the setup form. Why quotes the value given (untrusted:
// escape it where it is shown).
type SetupInvalid struct {
	Field string // "public URL", "organization", "app name", …
	Why   string
}

func (e *SetupInvalid) Error() string {
	return fmt.Sprintf("the %s is not valid: %s", e.Field, e.Why)
}

// Refused marks SetupInvalid as a refusal.
func (e *SetupInvalid) Refused() {}

// StateFault is what is wrong with the state GitHub's redirect came back with.
type StateFault int

// What can be wrong with a state.
const (
	StateMissing StateFault = iota + 1 // the redirect has no state (or no code)
	StateUnknown                       // never given by this replica, or long gone
	StateUsed                          // given, and already used once
	StateExpired                       // given more than SetupStateTTL ago
	StateForeign                       // given to another browser (its cookie is not this one's)
)

// SetupStateRefused refuses a redirect whose state is not one this replica gave this browser
// in the last SetupStateTTL and never used: the code is not exchanged.
type SetupStateRefused struct {
	Why StateFault
	TTL time.Duration
}

func (e *SetupStateRefused) Error() string {
	switch e.Why {
	case StateMissing:
		return "GitHub's redirect carries no code or no state"
	case StateUsed:
		return "this setup was already completed or refused once: a state works once"
	case StateExpired:
		return fmt.Sprintf("this setup was started more than %s ago", e.TTL)
	case StateForeign:
		return "this setup was started in another browser"
	}
	return "this setup was not started here (an unknown state): Rigel keeps its states in memory, so a restart, or another replica, forgets them"
}

// Refused marks SetupStateRefused as a refusal.
func (e *SetupStateRefused) Refused() {}

// SetupExchangeFailed: GitHub did not exchange the code for the app (unknown, used, more
// than an hour old, or GitHub unreachable).
type SetupExchangeFailed struct {
	Cause error
}

func (e *SetupExchangeFailed) Error() string {
	return fmt.Sprintf("GitHub did not give the new app's credentials: %v", e.Cause)
}

func (e *SetupExchangeFailed) Unwrap() error { return e.Cause }

// Refused marks SetupExchangeFailed as a refusal.
func (e *SetupExchangeFailed) Refused() {}

// SetupAppInvalid: GitHub's answer for the new app cannot be used (no id, a slug that is
// none, no webhook secret, a key that is not RSA, or GitHub not authenticating the app).
type SetupAppInvalid struct {
	AppID int64 // as GitHub said, 0 when it said none
	Why   string
	Cause error
}

func (e *SetupAppInvalid) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("GitHub's answer for the new app (id %d) cannot be used: %s: %v", e.AppID, e.Why, e.Cause)
	}
	return fmt.Sprintf("GitHub's answer for the new app (id %d) cannot be used: %s", e.AppID, e.Why)
}

func (e *SetupAppInvalid) Unwrap() error { return e.Cause }

// Refused marks SetupAppInvalid as a refusal.
func (e *SetupAppInvalid) Refused() {}
