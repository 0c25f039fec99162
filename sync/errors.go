package sync

import "fmt"

// PathError reports a deployment folder that cannot be used: absolute, escaping the
// repository, missing, not a directory, or reached through a symlink.
type PathError struct {
	Path   string // the path as given
	Reason string // human readable, e.g. "it escapes the repository root"
}

func (e *PathError) Error() string {
	return fmt.Sprintf("invalid path %q: %s", e.Path, e.Reason)
}

// ParseError reports a manifest that cannot be read. Line is the line in the file (1-based;
// 0 when unknown), counted from the start of the file even in a multi-document file.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// HermeticError reports a kustomization that names something Rigel does not read or run: a
// URL or remote git repository, a path outside the repository or an absolute one, a plugin
// that is not one of kustomize's built-in ones, a Helm chart kustomize would inflate, a chart
// dependency not on the allowlist or not verified, or a custom OpenAPI schema. Nothing was
// fetched (but an allowlisted chart whose digest did not match), read or run. File is
// repository-relative.
type HermeticError struct {
	File   string // the kustomization or plugin config file that names it
	Via    string // for a plugin config file: what lists it, e.g. "generators[0] of apps/web/kustomization.yaml"
	Field  string // where in File, e.g. "generators[0] (inline ConfigMapGenerator) files[0]"
	Value  string // the value as written; empty when the field itself is refused
	Reason string // what is wrong and what to do, e.g. "is a URL: …"
}

func (e *HermeticError) Error() string {
	where := e.File
	if e.Via != "" {
		where += " (" + e.Via + ")"
	}
	if e.Value == "" {
		return fmt.Sprintf("%s: %s %s", where, e.Field, e.Reason)
	}
	v := e.Value
	if len(v) > 200 {
		v = v[:200] + "…"
	}
	return fmt.Sprintf("%s: %s %q %s", where, e.Field, v, e.Reason)
}

// NamespaceError reports a namespaced object that names a namespace other than the one the
// caller enforces (DiffOptions.EnforceNamespace, the CLI's -n), as kubectl apply -n refuses it.
type NamespaceError struct {
	Ref    Ref    // the object, with the namespace it names
	Source string // the file it came from, if known
	Want   string // the enforced namespace
}

func (e *NamespaceError) Error() string {
	where := ""
	if e.Source != "" {
		where = " (" + e.Source + ")"
	}
	return fmt.Sprintf("the namespace from the provided object %s%s, %q, does not match the namespace %q: pass -n %s, or remove the namespace from the object",
		e.Ref, where, e.Ref.Namespace, e.Want, e.Ref.Namespace)
}
