package main

import (
	"strings"
	"testing"
)

// TestHelp runs the built binary: rigel alone, -h, --help and `help CMD` print the help on
// stdout and exit 0, for the root and every command; diff's and apply's list their exit codes
// and kubectl's kubeconfig flags.
func TestHelp(t *testing.T) {
	root := []string{"Usage:\n  rigel [command]", "Available Commands:", "serve ", "diff ", "apply ", "version ", "completion ", "exits 1 (2 for \"rigel diff\""}
	diff := []string{"Usage:\n  rigel diff PATH [flags]", "Exit codes (as kubectl diff):", "  0  no changes", "  1  changes", "  2  error",
		"--kubeconfig string", "--context string", "-n, --namespace string", "--cluster string", "--user string",
		"--name string", "--concurrency int", "-q, --quiet", "--color string", "Chart.yaml"}
	apply := []string{"Usage:\n  rigel apply PATH [flags]", "Exit codes:", "  0  applied and healthy (or nothing to do)", "  1  error: nothing or not everything applied",
		"  3  applied, but unhealthy", "--wait duration", "--context string", "-n, --namespace string", "-q, --quiet", "--color string"}
	serve := []string{"Usage:\n  rigel serve", "RIGEL_* environment variables", "helmsman-github", "RIGEL_KUBECONFIG"}
	version := []string{"Usage:\n  rigel version [flags]", "-o, --output string"}
	completion := []string{"rigel completion [command]", "bash", "zsh", "fish", "powershell"}
	tests := []struct {
		args []string
		want []string
	}{
		{nil, root},
		{[]string{"-h"}, root},
		{[]string{"--help"}, root},
		{[]string{"help"}, root},
		{[]string{"diff", "-h"}, diff},
		{[]string{"diff", "--help"}, diff},
		{[]string{"help", "diff"}, diff},
		{[]string{"diff", "some/folder", "-h"}, diff},
		{[]string{"apply", "-h"}, apply},
		{[]string{"help", "apply"}, apply},
		{[]string{"serve", "-h"}, serve},
		{[]string{"help", "serve"}, serve},
		{[]string{"version", "--help"}, version},
		{[]string{"completion", "-h"}, completion},
		{[]string{"completion"}, completion},
		{[]string{"completion", "bash", "-h"}, []string{"Usage:\n  rigel completion bash"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"rigel"}, tt.args...), " "), func(t *testing.T) {
			code, out, errOut := runBinary(t, nil, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, want 0; stderr: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			if errOut != "" {
				t.Errorf("stderr: %q, want nothing", errOut)
			}
		})
	}
}

// TestUsageErrors: an unknown command or flag, or wrong arguments, print the error and a
// usage hint on stderr, nothing on stdout, and exit 1 — 2 for diff, whose 1 means changes.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"frobnicate"}, exitFailed, []string{`Error: unknown command "frobnicate" for "rigel"`, "Run 'rigel --help' for usage."}},
		{[]string{"dif"}, exitFailed, []string{`unknown command "dif" for "rigel"`, "Did you mean this?\n\tdiff", "Run 'rigel --help' for usage."}},
		{[]string{"--bogus"}, exitFailed, []string{"Error: unknown flag: --bogus", "Run 'rigel --help' for usage."}},
		{[]string{"apply", "--bogus", "dir"}, exitFailed, []string{"Error: unknown flag: --bogus", "Run 'rigel apply --help' for usage."}},
		{[]string{"apply"}, exitFailed, []string{"Error: rigel apply needs the folder to apply: rigel apply PATH [flags]", "Run 'rigel apply --help' for usage."}},
		{[]string{"apply", "a", "b"}, exitFailed, []string{`Error: rigel apply takes one folder, got 2: ["a" "b"]`}},
		{[]string{"apply", "dir", "--wait", "soon"}, exitFailed, []string{`invalid argument "soon" for "--wait" flag`, "Run 'rigel apply --help' for usage."}},
		{[]string{"diff", "--bogus", "dir"}, diffError, []string{"Error: unknown flag: --bogus", "Run 'rigel diff --help' for usage."}},
		{[]string{"diff", "dir", "--wait", "1s"}, diffError, []string{"Error: unknown flag: --wait"}},
		{[]string{"diff"}, diffError, []string{"Error: rigel diff needs the folder to diff", "Run 'rigel diff --help' for usage."}},
		{[]string{"version", "extra"}, exitFailed, []string{`Error: unknown command "extra" for "rigel version"`}},
		{[]string{"version", "-o", "yaml"}, exitFailed, []string{"Error: --output=yaml: want json, or nothing for text", "Run 'rigel version --help' for usage."}},
		{[]string{"serve", "--listen", ":8080"}, exitFailed, []string{"Error: unknown flag: --listen", "Run 'rigel serve --help' for usage."}},
		{[]string{"help", "frobnicate"}, exitFailed, []string{`Error: unknown help topic "frobnicate"`, "Run 'rigel help --help' for usage."}},
		{[]string{"help", "diff", "extra"}, exitFailed, []string{`Error: unknown help topic "diff extra"`}},
		{[]string{"completion", "tcsh"}, exitFailed, []string{`Error: unknown command "tcsh" for "rigel completion"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"rigel"}, tt.args...), " "), func(t *testing.T) {
			code, out, errOut := runBinary(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			if out != "" {
				t.Errorf("stdout: %q, want nothing", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestServeFails: rigel serve that cannot start (no settings at all) says why and exits 1.
func TestServeFails(t *testing.T) {
	code, out, errOut := runBinary(t, nil, "serve")
	if code != exitFailed || out != "" || !strings.HasPrefix(errOut, "Error: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want 1, nothing, and the error", code, out, errOut)
	}
}

// TestCompletion: cobra's completion scripts for each shell, and the completions they ask
// the binary for (__complete): commands, flags, and the values of --color and -o.
func TestCompletion(t *testing.T) {
	scripts := []struct{ shell, want string }{
		{"bash", "# bash completion V2 for rigel"},
		{"zsh", "#compdef rigel"},
		{"fish", "# fish completion for rigel"},
		{"powershell", "# powershell completion for rigel"},
	}
	for _, s := range scripts {
		t.Run(s.shell, func(t *testing.T) {
			code, out, errOut := runBinary(t, nil, "completion", s.shell)
			if code != 0 || !strings.Contains(out, s.want) || !strings.Contains(out, "__complete") {
				t.Errorf("exit %d, stderr %q; script lacks %q or __complete:\n%.300s", code, errOut, s.want, out)
			}
		})
	}
	asks := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", ""}, []string{"apply\t", "completion\t", "diff\t", "serve\t", "version\t"}},
		{[]string{"__complete", "help", ""}, []string{"apply\t", "diff\t", "serve\t", "version\t"}},
		{[]string{"__complete", "diff", "--con"}, []string{"--concurrency\t", "--context\t"}},
		{[]string{"__complete", "apply", "--color", ""}, []string{"auto", "always", "never", ":4"}},
		{[]string{"__complete", "version", "-o", ""}, []string{"json", ":4"}},
		{[]string{"__complete", "diff", ""}, []string{":16"}}, // PATH: folders only (ShellCompDirectiveFilterDirs)
	}
	for _, a := range asks {
		t.Run(strings.Join(a.args, " "), func(t *testing.T) {
			code, out, errOut := runBinary(t, nil, a.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range a.want {
				if !strings.Contains(out, w) {
					t.Errorf("completions lack %q:\n%s", w, out)
				}
			}
		})
	}
}
