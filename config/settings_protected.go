package config

import (
	"fmt"
	"strings"
)

// Protected is every namespace refused to deployments unless the default policy names it
// literally: Rigel's own, then ProtectedNamespaces (DefaultProtectedNamespaces when empty).
func (s *Settings) Protected() []string {
	return ProtectedWith(s.Namespace, s.ProtectedNamespaces)
}

// ProtectedWith is own (Rigel's namespace; "" for none) followed by list, or by
// DefaultProtectedNamespaces when list is empty.
func ProtectedWith(own string, list []string) []string {
	if len(list) == 0 {
		list = DefaultProtectedNamespaces
	}
	out := make([]string, 0, len(list)+1)
	if own != "" {
		out = append(out, own)
	}
	return append(out, list...)
}

func trimmedList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// protectedProblems names protected namespaces that are patterns or not namespace names.
func (s *Settings) protectedProblems() []string {
	var out []string
	for _, ns := range s.ProtectedNamespaces {
		if len(ns) > 63 || strings.Trim(ns, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			out = append(out, fmt.Sprintf("RIGEL_PROTECTED_NAMESPACES lists %q, which is not a namespace name (lower-case letters, digits and -, no patterns)", ns))
		}
	}
	return out
}
