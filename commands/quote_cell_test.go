package commands

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

// cellBreaks counts the | that GitHub would read as cell separators in a table row: those not
// escaped by a backslash (an escaped backslash does not escape the |).
func cellBreaks(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestCell(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Available: 1/3", "Available: 1/3"},
		{"html", `<img src=x onerror=alert(1)>`, "&lt;img src=x onerror=alert(1)&gt;"},
		{"pipes and backticks", "a|b`c`", "a&#124;b&#96;c&#96;"},
		{"backslash before a pipe", `x\|<b>`, "x&#92;&#124;&lt;b&gt;"},
		{"newlines", "line one\nline two\r\n\tthree", "line one line two three"},
		{"ampersand", "a & b", "a &amp; b"},
		{"a mention and a link", "@org/team [x](http://e)", "&#64;\u200dorg/team &#91;x&#93;(http:\u200d//e)"},
		{"an HTML comment", "<!-- rigel:plan -->", "&lt;!-- rigel:plan --&gt;"},
		{"invisible characters", "a\u202eb", "a&lt;U+202E&gt;b"},
		{"a closing keyword", "Closes #1, fixes acme/x#2", "Closes #\u200d1, fixes acme/x#\u200d2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cell(tc.in); got != tc.want {
				t.Errorf("cell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := cell(strings.Repeat("é", maxCell+50)); !strings.HasSuffix(got, "…") || len([]rune(got)) != maxCell+1 {
		t.Errorf("a long cell is not cut at %d characters: %d", maxCell, len([]rune(got)))
	}
}

func TestCellCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"apps/web/k8s", "`apps/web/k8s`"},
		{"team-*", "`team-*`"},
		{"a|b", "<code>a&#124;b</code>"},
		{`x\`, "<code>x&#92;</code>"},
		{"<img src=x>", "<code>&lt;img src=x&gt;</code>"},
		{"a`b", "<code>a&#96;b</code>"},
		{"", "<code></code>"},
		{"fixes #1", "<code>fixes #\u200d1</code>"},
	}
	for _, tc := range tests {
		if got := cellCode(tc.in); got != tc.want {
			t.Errorf("cellCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Whatever the cluster says, a row of the apply table keeps its four cells and opens no HTML.
func TestApplyTableCellsEscaped(t *testing.T) {
	for _, msg := range []string{
		`admission webhook denied: <img src=x> | injected | cell`,
		"multi\nline | message\n| --- |",
		"`code | span`",
		`\| escaped \\| pipes`,
	} {
		pv := samplePlan()
		res := applyResult(msg)
		body := renderApplied("acme/web", appliedOf(pv, res, nil))
		var row string
		for _, l := range strings.Split(body, "\n") {
			if strings.Contains(l, "Deployment/shop/web") && strings.HasPrefix(l, "|") {
				row = l
			}
		}
		if row == "" {
			t.Fatalf("no row for the Deployment in:\n%s", body)
		}
		if n := cellBreaks(row); n != 5 {
			t.Errorf("message %q: the row has %d cell separators, want 5: %s", msg, n, row)
		}
		if strings.Contains(row, "<img") || strings.Contains(row, "`") {
			t.Errorf("message %q reached the table unescaped: %s", msg, row)
		}
	}
}

func applyResult(msg string) *sync.Result {
	return &sync.Result{Status: "Failed", Objects: []sync.ObjectResult{
		{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionError, Message: msg},
	}}
}
