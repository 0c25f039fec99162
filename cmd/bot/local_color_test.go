package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestLocalColor runs `rigel diff` and `rigel apply` against the real apiserver with each colour
// setting, on a buffer and on a terminal: coloured output is the plain output with ANSI
// colours around the diff's lines, and the exit codes do not change.
func TestLocalColor(t *testing.T) {
	ns := "local-color"
	dir, write := newFolder(t, ns)
	write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: "+ns+"\ndata:\n  a: \"1\"\n  b: \"1\"\n")
	if code, errOut := runLocal(t, "apply", dir, []string{"--color=never"}, io.Discard); code != applyHealthy {
		t.Fatalf("first apply: exit %d, want 0: %s", code, errOut)
	}
	write("cm.yaml", strings.Replace(readFile(t, dir, "cm.yaml"), `a: "1"`, `a: "2"`, 1))

	var plain bytes.Buffer
	if code, errOut := runLocal(t, "diff", dir, []string{"--color=never"}, &plain); code != 1 {
		t.Fatalf("diff: exit %d, want 1: %s", code, errOut)
	}
	for _, w := range []string{"--- live/v1/ConfigMap/" + ns + "/web", "+++ rigel/v1/ConfigMap/" + ns + "/web", "@@ ", "-  a: \"1\"\n", "+  a: \"2\"\n", "   b: \"1\"\n"} {
		if !strings.Contains(plain.String(), w) {
			t.Fatalf("the plain diff lacks %q:\n%s", w, plain.String())
		}
	}
	colored := []string{ // the lines above, coloured
		ansiBold + "--- live/v1/ConfigMap/" + ns + "/web",
		ansiBold + "+++ rigel/v1/ConfigMap/" + ns + "/web",
		ansiCyan + "@@ ",
		ansiRed + "-  a: \"1\"" + ansiReset + "\n",
		ansiGreen + "+  a: \"2\"" + ansiReset + "\n",
		"\n   b: \"1\"\n", // context lines stay as they are
	}

	tests := []struct {
		name    string
		color   string // the flag, "" for none
		noColor string // NO_COLOR
		out     string // buffer, file or terminal
		want    bool
	}{
		{"always on a buffer", "always", "", "buffer", true},
		{"never on a buffer", "never", "", "buffer", false},
		{"auto on a buffer", "auto", "", "buffer", false},
		{"no flag on a file", "", "", "file", false},
		{"always on a file", "always", "", "file", true},
		{"auto on a terminal", "auto", "", "terminal", true},
		{"no flag on a terminal", "", "", "terminal", true},
		{"never on a terminal", "never", "", "terminal", false},
		{"NO_COLOR on a terminal", "", "1", "terminal", false},
		{"always wins over NO_COLOR", "always", "1", "buffer", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			var args []string
			if tt.color != "" {
				args = []string{"--color=" + tt.color}
			}
			var buf bytes.Buffer
			var out io.Writer = &buf
			read := buf.String
			switch tt.out {
			case "terminal":
				var tty *os.File
				tty, read = openPTY(t)
				out = tty
			case "file": // a redirection: rigel diff DIR > out.diff
				f, err := os.Create(filepath.Join(t.TempDir(), "out.diff"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				out, read = f, func() string { return readFile(t, filepath.Dir(f.Name()), "out.diff") }
			}
			code, errOut := runLocal(t, "diff", dir, args, out)
			got := read()
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errOut)
			}
			if ansi.ReplaceAllString(got, "") != plain.String() {
				t.Errorf("without its colours the output is not the plain diff:\n%q\nwant\n%q", got, plain.String())
			}
			if !tt.want {
				if strings.Contains(got, "\x1b[") {
					t.Errorf("output has colours:\n%q", got)
				}
				return
			}
			for _, w := range colored {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%q", w, got)
				}
			}
		})
	}

	t.Run("a wrong --color", func(t *testing.T) {
		var out bytes.Buffer
		code, errOut := runLocal(t, "diff", dir, []string{"--color=rainbow"}, &out)
		if code != 2 || out.Len() > 0 || !strings.Contains(errOut, "--color=rainbow: want one of auto, always, never") {
			t.Errorf("exit %d, stdout %q, stderr %q: want 2, nothing, and what --color takes", code, out.String(), errOut)
		}
	})
	t.Run("a refused object", func(t *testing.T) {
		write("gone.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n  namespace: no-such-namespace\n")
		defer os.Remove(dir + "/gone.yaml")
		var out bytes.Buffer
		code, errOut := runLocal(t, "diff", dir, []string{"--color=always"}, &out)
		if code != 2 {
			t.Errorf("exit %d, want 2: %s", code, errOut)
		}
		if w := ansiBold + ansiRed + "# ConfigMap/no-such-namespace/gone refused: namespaces \"no-such-namespace\" not found" + ansiReset + "\n"; !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%q", w, out.String())
		}
	})
	t.Run("apply, then nothing to diff", func(t *testing.T) {
		var out bytes.Buffer
		if code, errOut := runLocal(t, "apply", dir, []string{"--color=always"}, &out); code != applyHealthy || !strings.Contains(out.String(), colored[4]) {
			t.Errorf("apply: exit %d (want 0), output %q: %s", code, out.String(), errOut)
		}
		out.Reset()
		if code, errOut := runLocal(t, "diff", dir, []string{"--color=always"}, &out); code != 0 || out.Len() > 0 {
			t.Errorf("diff after apply: exit %d (want 0), output %q: %s", code, out.String(), errOut)
		}
	})
}
