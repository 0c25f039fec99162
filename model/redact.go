package model

import (
	"encoding/base64"
	"regexp"
	"sort"
	"strings"

	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// Bounds of what is sent, in bytes, after redaction.
const (
	MaxManifest = 16 << 10
	MaxStatus   = 4 << 10
	MaxEvents   = 30  // events, each of at most maxEvent bytes
	maxEvent    = 400 //
	MaxLogs     = 4 << 10
	MaxLogLines = 20
	MaxRequest  = 4 << 10
	// minSecret is the shortest known secret value masked: shorter ones ("1", "on") carry no
	// secret, and masking them would garble everything.
	minSecret = 4
	// Mask replaces what is withheld.
	Mask = "***"
)

// Context is what the model is told about a workload. Secrets are values to withhold wherever
// they appear (the values of the Secrets the workload reads, Rigel's own credentials): they
// are never sent. Redacted is what is sent.
type Context struct {
	Workload Target   `json:"workload"`
	Manifest string   `json:"manifest"` // the workload's document as rendered from git (YAML)
	Status   string   `json:"status"`   // its pods and containers
	Events   []string `json:"events"`
	Logs     string   `json:"previous_logs"` // the tail of the previous container's logs
	Request  string   `json:"request"`       // what the person wrote (the text)
	Secrets  []string `json:"-"`
}

// tokenShapes match what looks like a credential, wherever it is.
var tokenShapes = []*regexp.Regexp{
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`),
	regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`),
	regexp.MustCompile(`\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}`),
	regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`),
	regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`),
}

// assignments match `password=…`, `"api_key": "…"`, `Authorization: Bearer …`: the name is
// kept, the value masked.
var assignments = regexp.MustCompile(`(?i)((?:passw(?:or)?d|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth(?:orization)?)["']?\s*[:=]\s*["']?)((?:bearer|basic)\s+)?[^\s"',;}&]+`)

// userinfo matches the password of a URL (scheme://user:password@host).
var userinfo = regexp.MustCompile(`(://[^/\s:@]+:)[^@\s/]+@`)

// randomLike matches long strings of mixed-case letters and digits, base64 or base64url: keys
// and tokens of shapes not listed. A lowercase hex digest (sha256:…) is not one.
var randomLike = regexp.MustCompile(`[A-Za-z0-9+/_-]{32,}={0,2}`)

func looksRandom(s string) bool {
	var lower, upper, digit bool
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	return lower && upper && digit
}

// Redact withholds secrets from text: each known value (in its plain and base64 forms, and
// each line of a multi-line value; longest first), then everything shaped like a credential.
func Redact(text string, secrets []string) string {
	var forms []string
	for _, v := range secrets {
		forms = append(forms, v, base64.StdEncoding.EncodeToString([]byte(v)))
		if strings.Contains(v, "\n") {
			for _, line := range strings.Split(v, "\n") {
				forms = append(forms, strings.TrimSpace(line))
			}
		}
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	for _, v := range forms {
		if len(v) >= minSecret {
			text = strings.ReplaceAll(text, v, Mask)
		}
	}
	for _, re := range tokenShapes {
		text = re.ReplaceAllString(text, Mask)
	}
	text = assignments.ReplaceAllString(text, "${1}${2}"+Mask)
	text = userinfo.ReplaceAllString(text, "${1}"+Mask+"@")
	return randomLike.ReplaceAllStringFunc(text, func(s string) string {
		if looksRandom(s) {
			return Mask
		}
		return s
	})
}

// Clean keeps the text of hostile bytes (untrusted.Printable).
func Clean(s string) string { return untrusted.Printable(s) }

// Redacted is c as sent: every text cleaned, redacted and bounded; the log tail to its last
// MaxLogLines lines. Secrets are not part of it.
func (c Context) Redacted() Context {
	r := func(s string, n int) string { return bound(Redact(Clean(s), c.Secrets), n) }
	out := Context{
		Workload: Target{Kind: r(c.Workload.Kind, 64), Name: r(c.Workload.Name, 253), Namespace: r(c.Workload.Namespace, 63)},
		Manifest: r(c.Manifest, MaxManifest),
		Status:   r(c.Status, MaxStatus),
		Request:  r(c.Request, MaxRequest),
		Events:   []string{},
	}
	for i, e := range c.Events {
		if i == MaxEvents {
			break
		}
		out.Events = append(out.Events, r(e, maxEvent))
	}
	logs := Redact(Clean(c.Logs), c.Secrets)
	if lines := strings.Split(strings.TrimRight(logs, "\n"), "\n"); len(lines) > MaxLogLines {
		logs = strings.Join(lines[len(lines)-MaxLogLines:], "\n")
	}
	if len(logs) > MaxLogs {
		logs = logs[len(logs)-MaxLogs:]
		for len(logs) > 0 && !utf8Start(logs[0]) {
			logs = logs[1:]
		}
	}
	out.Logs = logs
	return out
}
