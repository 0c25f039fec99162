package config

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Jsonnet is how a deployment whose folder holds *.jsonnet files renders them (issue 17), as
// Argo CD's `directory.jsonnet`: top-level arguments and external variables (strings), and
// lib folders searched for imports. One folder may be several deployments with different
// settings.
//
// Who sets it: `/rigel add-deployment FOLDER --tla k=v --ext-var k=v`, POST
// /api/git/sources/deployment, the local CLI's --tla/--ext-var/--jsonnet-lib, or a cluster
// admin in the ConfigMap. Absent: no argument, no variable, imports relative to the file only.
type Jsonnet struct {
	TLAs    map[string]string `json:"tlas,omitempty"`    // top-level argument name → value (a string)
	ExtVars map[string]string `json:"extVars,omitempty"` // std.extVar name → value (a string)
	Libs    []string          `json:"libs,omitempty"`    // folders relative to the repository root, e.g. vendor/lib
}

// Bounds of a deployment's jsonnet settings.
const (
	MaxJsonnetVars     = 50   // top-level arguments and external variables, together
	MaxJsonnetLibs     = 10   // lib folders
	maxJsonnetValueLen = 4096 // one value's bytes
	maxJsonnetNameLen  = 128
)

// InvalidJsonnetError: a deployment's jsonnet settings are not valid; Problems says each, and
// how to fix it.
type InvalidJsonnetError struct {
	Deployment string
	Problems   []string
}

func (e *InvalidJsonnetError) Error() string {
	return fmt.Sprintf("invalid jsonnet settings of deployment %q: %s", e.Deployment, strings.Join(e.Problems, "; "))
}

// ValidateJsonnet checks the jsonnet settings of d (none is valid).
func ValidateJsonnet(d Deployment) error {
	if d.Jsonnet == nil {
		return nil
	}
	if p := d.Jsonnet.Problems(); len(p) > 0 {
		return &InvalidJsonnetError{Deployment: d.Name, Problems: p}
	}
	return nil
}

// Problems names what is wrong in jsonnet settings, each saying what to write instead.
func (j Jsonnet) Problems() []string {
	var out []string
	if n := len(j.TLAs) + len(j.ExtVars); n > MaxJsonnetVars {
		out = append(out, fmt.Sprintf("%d top-level arguments and external variables are more than the limit of %d", n, MaxJsonnetVars))
	}
	check := func(what string, m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !jsonnetIdentifier(k) {
				out = append(out, fmt.Sprintf("%s %q is not a jsonnet name: use letters, digits and '_', starting with a letter or '_', at most %d characters, e.g. replicas", what, k, maxJsonnetNameLen))
			}
			if len(m[k]) > maxJsonnetValueLen {
				out = append(out, fmt.Sprintf("%s %s is %d bytes, more than the limit of %d", what, k, len(m[k]), maxJsonnetValueLen))
			}
		}
	}
	check("top-level argument", j.TLAs)
	check("external variable", j.ExtVars)
	if len(j.Libs) > MaxJsonnetLibs {
		out = append(out, fmt.Sprintf("%d lib folders are more than the limit of %d", len(j.Libs), MaxJsonnetLibs))
	}
	for _, l := range j.Libs {
		bad := func(why string) {
			out = append(out, fmt.Sprintf("lib folder %q %s: write a folder relative to the repository root, e.g. vendor/lib", l, why))
		}
		switch {
		case l == "" || l == ".":
			bad("is empty")
		case strings.HasPrefix(l, "/"):
			bad("is absolute")
		case strings.Contains(l, `\`):
			bad("uses backslashes")
		case path.Clean(l) != l:
			bad("is not written plainly (write " + path.Clean(l) + ")")
		case l == ".." || strings.HasPrefix(l, "../"):
			bad("leaves the repository")
		}
	}
	return out
}

// jsonnetIdentifier reports whether s is a jsonnet identifier (a TLA or ext var name).
func jsonnetIdentifier(s string) bool {
	if s == "" || len(s) > maxJsonnetNameLen {
		return false
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// ParseJsonnetVars reads key=value pairs given with flag (--tla, --ext-var) into a map; a pair
// without '=' or a key given twice is an error naming the flag and saying what to write.
func ParseJsonnetVars(flag string, pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(pairs))
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: write name=value, e.g. %s replicas=2", flag, kv, flag)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%s %s is given twice: give each name once", flag, k)
		}
		out[k] = v
	}
	return out, nil
}

// SameJsonnet reports whether two deployments' jsonnet settings are the same (none is the
// same as empty settings): two deployments of one jsonnet folder must differ in them, as two
// of one chart folder differ in their chart settings.
func SameJsonnet(a, b *Jsonnet) bool {
	var x, y Jsonnet
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return maps.Equal(x.TLAs, y.TLAs) && maps.Equal(x.ExtVars, y.ExtVars) && slices.Equal(x.Libs, y.Libs)
}

// Empty reports whether the settings set nothing (as no settings).
func (j *Jsonnet) Empty() bool {
	return j == nil || len(j.TLAs) == 0 && len(j.ExtVars) == 0 && len(j.Libs) == 0
}
