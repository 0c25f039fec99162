package config

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// Settings that bound what comments can do: the key of Rigel's hidden markers and the rate
// of commands per person.

// SecretKeyMarkerKey is the optional key of Secret helmsman-github that keys Rigel's hidden
// markers (RIGEL_MARKER_KEY). Without it the key is derived from the webhook secret, else the
// private key, else the token.
const SecretKeyMarkerKey = "marker-key"

// DefaultCommandRate is how many commands a minute one person may run in one repository.
const DefaultCommandRate = 20

// markerKeyLabel makes the marker key a key of its own, whatever secret it is derived from.
const markerKeyLabel = "rigel marker v1"

// minMarkerKey is the shortest explicit marker key accepted, in bytes.
const minMarkerKey = 16

// MarkerKeyBytes is the key that signs and verifies Rigel's hidden markers:
// HMAC-SHA256(secret, "rigel marker v1") of the explicit marker key, else the webhook secret,
// else the private key, else the token. nil when none is set. Changing that secret (rotating
// it) invalidates the markers signed before: plans armed then must be synced again.
func (s *Settings) MarkerKeyBytes() []byte {
	var secret []byte
	switch {
	case s.MarkerKey != "":
		secret = []byte(s.MarkerKey)
	case s.WebhookSecret != "":
		secret = []byte(s.WebhookSecret)
	case len(s.PrivateKey) > 0:
		secret = s.PrivateKey
	case s.Token != "":
		secret = []byte(s.Token)
	default:
		return nil
	}
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(markerKeyLabel))
	return h.Sum(nil)
}

// commentsProblems checks the marker key and the command rate; it never quotes the key.
func (s *Settings) commentsProblems() []string {
	var problems []string
	if s.MarkerKey != "" && len(s.MarkerKey) < minMarkerKey {
		problems = append(problems, fmt.Sprintf("the marker key (%s in Secret %s or RIGEL_MARKER_KEY) must be at least %d characters", SecretKeyMarkerKey, CredentialSecret, minMarkerKey))
	}
	if s.CommandRate < 0 {
		problems = append(problems, fmt.Sprintf("RIGEL_COMMAND_RATE must be 0 (no limit) or more, not %d", s.CommandRate))
	}
	return problems
}
