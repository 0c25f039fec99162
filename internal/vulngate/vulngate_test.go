package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/govulncheck.json is a cut of a real `govulncheck -json ./...` run on Rigel: the
// config, three OSV entries, and module-, package- and symbol-level findings of echo/v4
// (GO-2026-6875, GO-2026-6838) and the standard library (GO-2026-6809).
func TestReadFindings(t *testing.T) {
	f, err := os.Open("testdata/govulncheck.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := readFindings(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "GO-2026-6809" || got[1].ID != "GO-2026-6875" {
		t.Fatalf("reachable = %+v, want GO-2026-6809 and GO-2026-6875 only (GO-2026-6838 is module-level)", got)
	}
	std, echo := got[0], got[1]
	if std.Module != "stdlib" || std.Fixed != "v1.26.10" || !strings.Contains(std.Callee, "crypto/x509") || !strings.HasPrefix(std.Caller, "github.com/rigel-gitops/rigel/") {
		t.Errorf("stdlib finding = %+v", std)
	}
	if echo.Module != "github.com/labstack/echo/v4" || echo.Fixed != "" || !strings.Contains(echo.Summary, "X-Real-IP") || !strings.Contains(echo.Caller, ".go:") {
		t.Errorf("echo finding = %+v", echo)
	}
}

func TestRun(t *testing.T) {
	input, err := os.ReadFile("testdata/govulncheck.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		accepted string
		input    string
		code     int
		want     []string
	}{
		{name: "all accepted", accepted: "GO-2026-6809 needs Go 1.26.10\nGO-2026-6875 no v4 fix\n", input: string(input), code: 0,
			want: []string{"accepted: needs Go 1.26.10", "2 reachable vulnerabilities, all accepted"}},
		{name: "one not accepted", accepted: "# only the stdlib one\nGO-2026-6809 needs Go 1.26.10\n", input: string(input), code: 1,
			want: []string{"GO-2026-6875 Reverse Proxy", "NOT ACCEPTED", "1 reachable vulnerabilities are not accepted"}},
		{name: "none accepted", accepted: "", input: string(input), code: 1,
			want: []string{"2 reachable vulnerabilities are not accepted"}},
		{name: "stale entry is named", accepted: "GO-2026-6809 x\nGO-2026-6875 y\nGO-2025-0001 gone\n", input: string(input), code: 0,
			want: []string{"GO-2025-0001 is in the accepted list but no longer reachable"}},
		{name: "entry without a reason", accepted: "GO-2026-6809\n", input: string(input), code: 2,
			want: []string{"GO-2026-6809 has no reason"}},
		{name: "not an ID", accepted: "CVE-2026-1 reason\n", input: string(input), code: 2,
			want: []string{"is not a vulnerability ID"}},
		{name: "listed twice", accepted: "GO-2026-6809 a\nGO-2026-6809 b\n", input: string(input), code: 2,
			want: []string{"listed twice"}},
		{name: "text output instead of JSON", accepted: "", input: "=== Symbol Results ===\n", code: 2,
			want: []string{"failed to read govulncheck's JSON output"}},
		{name: "no output", accepted: "", input: "", code: 2,
			want: []string{"printed no JSON messages"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "accepted.txt")
			if err := os.WriteFile(path, []byte(tc.accepted), 0o600); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if code := run(strings.NewReader(tc.input), &out, path); code != tc.code {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.code, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestAcceptedListParses: the checked-in list is well-formed (every entry has a reason).
func TestAcceptedListParses(t *testing.T) {
	f, err := os.Open("accepted.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := parseAccepted(f); err != nil {
		t.Fatal(err)
	}
}
