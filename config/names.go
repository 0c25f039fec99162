package config

import (
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// ValidateName checks that name is a DNS-1123 label (lower-case alphanumerics and '-',
// starting and ending with an alphanumeric, at most 63 characters).
func ValidateName(name string) error {
	if name == "" {
		return &InvalidNameError{Name: name, Reason: "must not be empty"}
	}
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		return &InvalidNameError{Name: name, Reason: strings.Join(msgs, "; ")}
	}
	return nil
}

// SanitizeName turns any string into a DNS-1123 label: lower case, runs of other characters
// become one '-', trimmed to 63 characters. It returns "deployment" when nothing is left.
func SanitizeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > validation.DNS1123LabelMaxLength {
		out = strings.TrimRight(out[:validation.DNS1123LabelMaxLength], "-")
	}
	if out == "" {
		return "deployment"
	}
	return out
}

// CleanPath normalizes a folder relative to the repo root ("./apps/web/" → "apps/web";
// the root is "."). It rejects absolute paths and paths that leave the repo.
func CleanPath(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return "", &InvalidPathError{Path: p, Reason: "must be relative to the repo root"}
	}
	if strings.Contains(p, "\\") {
		return "", &InvalidPathError{Path: p, Reason: "must use '/' as separator"}
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", &InvalidPathError{Path: p, Reason: "must not leave the repo"}
	}
	return c, nil
}
