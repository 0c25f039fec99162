package untrusted

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

func itoa(n int) string { return strconv.Itoa(n) }

// cut keeps at most n characters of s, ending in "…" when it cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// cutBytes keeps at most n bytes of s, cut at a line when one is near, else at a character,
// then "…" and note on a line of their own; s itself when it fits.
func cutBytes(s string, n int, note string) string {
	if len(s) <= n {
		return s
	}
	tail := "…\n\n" + note + "\n"
	keep := max(n-len(tail), 0)
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	head := s[:keep]
	if nl := strings.LastIndexByte(head, '\n'); nl >= 0 && nl > keep-2000 {
		head = head[:nl+1]
	} else if head != "" {
		head += "\n"
	}
	return head + tail
}

// cutLines keeps at most n characters of s, cut at a line, then note on a line of its own.
func cutLines(s string, n int, note string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	head := string([]rune(s)[:n])
	if nl := strings.LastIndexByte(head, '\n'); nl >= 0 {
		head = head[:nl+1]
	} else {
		head += "\n"
	}
	return head + note + "\n"
}
