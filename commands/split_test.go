package commands

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitComment(t *testing.T) {
	bigDiff := func(lines int) string {
		var b strings.Builder
		for i := 0; i < lines; i++ {
			fmt.Fprintf(&b, "+  key%05d: value with some text to make it longer\n", i)
		}
		return "<details><summary>🆕 create <code>ConfigMap/x</code></summary>\n\n```diff\n" + b.String() + "```\n\n</details>"
	}
	tests := []struct {
		name      string
		blocks    []string
		wantParts int
	}{
		{"short stays one", []string{"head", "body", "tail"}, 1},
		{"many blocks are packed", []string{"head", bigDiff(500), bigDiff(500), bigDiff(500), bigDiff(500), "tail <!-- rigel:plan x -->"}, 2},
		{"one huge block is cut", []string{"head", bigDiff(5000), "tail <!-- rigel:plan x -->"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitComment(strings.Join(tc.blocks, blockSep))
			if len(parts) != tc.wantParts {
				t.Fatalf("got %d parts, want %d", len(parts), tc.wantParts)
			}
			for i, p := range parts {
				if n := utf8.RuneCountInString(p); n > MaxComment {
					t.Errorf("part %d has %d characters", i, n)
				}
				if strings.Count(p, "```")%2 != 0 {
					t.Errorf("part %d leaves a code fence open", i)
				}
				if strings.Count(p, "<details") != strings.Count(p, "</details>") {
					t.Errorf("part %d leaves <details> open", i)
				}
				if strings.Contains(p, blockSep) {
					t.Errorf("part %d still holds the block separator", i)
				}
			}
			last := parts[len(parts)-1]
			if strings.Contains(tc.blocks[len(tc.blocks)-1], "rigel:plan") && !strings.Contains(last, "rigel:plan") {
				t.Error("the plan marker is not in the last part")
			}
			if strings.Contains(tc.name, "cut") && !strings.Contains(parts[0], "were cut to fit") {
				t.Error("a cut block does not say it was cut")
			}
		})
	}
}
