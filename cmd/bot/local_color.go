package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ANSI escape sequences of the local diff's colours.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
)

// colorModes are the values of --color.
var colorModes = []string{"auto", "always", "never"}

// wantColor decides whether the diff written to stdout is coloured: always and never say so;
// auto colours when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org).
func wantColor(mode string, stdout io.Writer, getenv func(string) string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if getenv("NO_COLOR") != "" {
			return false, nil
		}
		f, ok := stdout.(*os.File)
		return ok && term.IsTerminal(int(f.Fd())), nil
	}
	return false, fmt.Errorf("--color=%s: want one of %s", mode, strings.Join(colorModes, ", "))
}

// colorDiff colours a unified diff line by line: file headers bold, hunk headers cyan, added
// lines green, removed lines red. The text is otherwise unchanged.
func colorDiff(diff string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(diff, "\n") {
		if line == "" {
			continue
		}
		text, nl := strings.CutSuffix(line, "\n")
		var color string
		switch {
		case strings.HasPrefix(text, "+++ "), strings.HasPrefix(text, "--- "):
			color = ansiBold
		case strings.HasPrefix(text, "@@"):
			color = ansiCyan
		case strings.HasPrefix(text, "+"):
			color = ansiGreen
		case strings.HasPrefix(text, "-"):
			color = ansiRed
		}
		if color == "" {
			b.WriteString(line)
			continue
		}
		b.WriteString(color + text + ansiReset)
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
