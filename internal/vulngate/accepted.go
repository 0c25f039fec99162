package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// idPattern is what a Go vulnerability database ID looks like (GO-2026-6875).
var idPattern = regexp.MustCompile(`^GO-\d{4}-\d{4,}$`)

// parseAccepted reads accepted.txt: "ID reason…" per line, blank lines and #-comments
// ignored. It returns the reason for each ID.
func parseAccepted(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if !idPattern.MatchString(id) {
			return nil, fmt.Errorf("line %d: %q is not a vulnerability ID (want GO-YYYY-NNNN)", n, id)
		}
		if reason == "" {
			return nil, fmt.Errorf("line %d: %s has no reason: say what would fix it and why it is not done yet", n, id)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("line %d: %s is listed twice", n, id)
		}
		out[id] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("failed to read the accepted list: %w", err)
	}
	return out, nil
}
