package notify

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxSummary bounds the characters of a failure's summary in a message.
const maxSummary = 300

var (
	// invalidValue is the value the apiserver echoes in a field error ("data[k]: Invalid
	// value: \"…\": …"): of a Secret, it may be the Secret's data.
	invalidValue = regexp.MustCompile(`Invalid value: ("(?:[^"\\]|\\.)*"|[^:]*)`)
	// userinfo is the credentials of a URL (https://user:token@host).
	userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)
	// longToken is a run of characters as long as a token, a key or base64 data.
	longToken = regexp.MustCompile(`[A-Za-z0-9+/_=-]{32,}`)
)

// Redact makes a failure's text fit for a message or a deployment status: one line, values
// the apiserver echoes removed, credentials of URLs and anything shaped like a token or
// base64 data replaced with [redacted], each of secrets (the webhook's URL…) removed, and cut
// to maxSummary characters.
func Redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	s = invalidValue.ReplaceAllString(s, "Invalid value: [redacted]")
	s = userinfo.ReplaceAllString(s, "${1}[redacted]@")
	s = longToken.ReplaceAllString(s, "[redacted]")
	if utf8.RuneCountInString(s) > maxSummary {
		s = string([]rune(s)[:maxSummary-1]) + "…"
	}
	return s
}
