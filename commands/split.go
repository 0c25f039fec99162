package commands

import (
	"fmt"
	"github.com/rigel-gitops/rigel/githubclient"
	"strings"
	"unicode/utf8"
)

// MaxComment is GitHub's limit on a comment body, in characters.
const MaxComment = githubclient.MaxComment

// room leaves space for the "part i of n" line and closing markup.
const room = 400

// splitComment cuts a reply into comments GitHub accepts. Blocks (separated by blockSep) are
// kept whole and packed in order; a block that alone is too long is cut at a line, its code
// fence and <details> closed, with a note of what was cut. Each part after the first says it
// continues; the last block (the next command, the plan marker) stays in the last part.
func splitComment(body string) []string {
	if utf8.RuneCountInString(body) <= MaxComment {
		return []string{strings.ReplaceAll(body, blockSep, "\n\n")}
	}
	limit := MaxComment - room
	var parts []string
	var cur []string
	size := 0
	for _, b := range strings.Split(body, blockSep) {
		if n := utf8.RuneCountInString(b); n > limit {
			b = cutBlock(b, limit)
		}
		n := utf8.RuneCountInString(b) + 2
		if size+n > limit && len(cur) > 0 {
			parts = append(parts, strings.Join(cur, "\n\n"))
			cur, size = nil, 0
		}
		cur = append(cur, b)
		size += n
	}
	parts = append(parts, strings.Join(cur, "\n\n"))
	if len(parts) > 1 {
		for i := range parts {
			note := fmt.Sprintf("<sub>Part %d of %d: the reply is longer than one GitHub comment.</sub>", i+1, len(parts))
			if i == 0 {
				parts[i] = parts[i] + "\n\n" + note
			} else {
				parts[i] = note + "\n\n" + parts[i]
			}
		}
	}
	return parts
}

// cutBlock shortens one block to at most limit characters at a line boundary, keeping its
// markdown whole.
func cutBlock(b string, limit int) string {
	lines := strings.Split(b, "\n")
	var out []string
	size, kept := 0, 0
	budget := limit - 300
	for _, l := range lines {
		n := utf8.RuneCountInString(l) + 1
		if size+n > budget {
			break
		}
		out = append(out, l)
		size += n
		kept++
	}
	cut := len(lines) - kept
	openFence := ""
	for _, l := range out {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			f := strings.TrimRight(t, "abcdefghijklmnopqrstuvwxyz")
			if openFence == "" {
				openFence = f
			} else if t == openFence {
				openFence = ""
			}
		}
	}
	if openFence != "" {
		out = append(out, openFence)
	}
	out = append(out, "", fmt.Sprintf("✂️ %d more line%s of this section were cut to fit GitHub's comment limit. `rigel diff PATH` on your machine shows everything.", cut, plural(cut)))
	if strings.Count(b, "<details") > strings.Count(strings.Join(out, "\n"), "</details>") && strings.Contains(b, "</details>") {
		out = append(out, "", "</details>")
	}
	return strings.Join(out, "\n")
}
