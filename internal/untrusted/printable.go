package untrusted

import "strings"

// Printable keeps the text of hostile bytes (a pod's logs, what is sent to a model): valid
// UTF-8, without control characters (terminal escapes, carriage returns, C1 controls) other
// than newlines and tabs.
func Printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return -1
		}
		return r
	}, s)
}
