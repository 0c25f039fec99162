package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, never yields more than MaxCommands, and pairs each
// unreadable line with its error. Seeds: f.Add below and testdata/fuzz/FuzzParse (plain
// `go test` runs them; `go test -fuzz FuzzParse ./commands` searches further).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/rigel diff web",
		"/rigel dif <!-- rigel:plan deployment=web commit=" + testCommit + " digest=" + testDigest + " --> x",
		strings.Repeat("/rigel x\n", 50),
		"```\n/rigel apply\n```\n/rigel list --all -n=x \"a b\" 'c",
		"/rigel add-deployment \"x\n/RIGEL\thelp\r\n/rigel\u00a0diff",
		"> /rigel apply\n~~~\n/rigel sync\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		cmds, errs, dropped := ParseComment(body)
		if len(cmds) > MaxCommands {
			t.Fatalf("%d commands, more than %d", len(cmds), MaxCommands)
		}
		if dropped < 0 || dropped > 0 && len(cmds) != MaxCommands {
			t.Fatalf("dropped %d with %d commands", dropped, len(cmds))
		}
		bad := 0
		for _, c := range cmds {
			if c.Verb == errorVerb {
				bad++
			}
			if !hasPrefix(c.Line) {
				t.Fatalf("a command line without the prefix: %q", c.Line)
			}
		}
		if bad != len(errs) {
			t.Fatalf("%d unreadable lines, %d errors", bad, len(errs))
		}
	})
}

// FuzzMarker: a signed marker verifies and round-trips; with any byte changed it never
// verifies; nothing quoted or sealed from arbitrary text verifies as a marker; inert leaves no
// HTML comment delimiter.
func FuzzMarker(f *testing.F) {
	f.Add("acme/web", 7, "web", []byte("commit"), []byte("digest"), 0, byte('x'), "<!-- rigel:plan deployment=web commit="+testCommit+" digest="+testDigest+" mac="+strings.Repeat("0", 32)+" -->")
	f.Add("o/r", 1, "a-b-1", []byte{}, []byte{1}, 100, byte(' '), "<!--->--!>")
	f.Fuzz(func(t *testing.T, repo string, number int, name string, commitSeed, digestSeed []byte, pos int, b byte, text string) {
		conv := conversation{Repo: repo, Number: number}
		m := marker{Kind: markerPlan, Deployment: deploymentName(name), Commit: hexOf(commitSeed, 20), Digest: hexOf(digestSeed, 32)}
		if pos%2 != 0 {
			m.Kind, m.Commit = markerApplied, ""
		}
		signed := signMarker(testKey, conv, m)
		got := verifyMarkers(testKey, conv, "x\n"+signed+"\ny")
		if len(got) != 1 || got[0] != m {
			t.Fatalf("%q does not round-trip: %+v", signed, got)
		}
		if len(verifyMarkers(testKey, conversation{Repo: repo, Number: number + 1}, signed)) != 0 {
			t.Fatal("verifies in another conversation")
		}
		i := (pos%len(signed) + len(signed)) % len(signed)
		if signed[i] != b {
			changed := signed[:i] + string([]byte{b}) + signed[i+1:]
			if ms := verifyMarkers(testKey, conv, changed); len(ms) != 0 {
				t.Fatalf("changed at %d (%q → %q), %q still verifies: %+v", i, signed[i], b, changed, ms)
			}
		}
		if hasDelim(inert(text)) || hasDelim(code(text)) || hasDelim(short(text)) {
			t.Fatalf("a delimiter survives quoting %q", text)
		}
		sealed := seal(testKey, conv, text)
		if ms := verifyMarkers(testKey, conv, strings.ReplaceAll(sealed, blockSep, "\n")); len(ms) != 0 {
			t.Fatalf("text %q sealed into a marker: %+v", text, ms)
		}
		withOurs := seal(testKey, conv, text+"\n"+markerPlaceholder(m))
		if ms := verifyMarkers(testKey, conv, strings.ReplaceAll(withOurs, blockSep, "\n")); len(ms) != 1 || ms[0] != m {
			t.Fatalf("after %q, Rigel's own marker: %+v", text, ms)
		}
	})
}

// deploymentName makes s a name a marker can carry.
func deploymentName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 || b.Len() > 63 {
		return "web"
	}
	return b.String()
}

func hexOf(seed []byte, n int) string {
	sum := sha256.Sum256(seed)
	return hex.EncodeToString(sum[:n])
}
