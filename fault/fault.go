package fault

import (
	"errors"
	"fmt"
)

// NotFound is something Rigel was asked about that does not exist: a deployment, a registered
// repository, a workload, a branch. Nothing was changed.
type NotFound struct {
	Kind      string   // what was looked for: "deployment", "repository", a workload kind ("Deployment")…
	Name      string   // its name as asked for (untrusted: quote it where it is shown)
	Namespace string   // for namespaced objects
	Repo      string   // the repository it was looked for in, when one
	Known     []string // what exists instead, for the reply ("this repo has: …"); may be nil
}

func (e *NotFound) Error() string {
	where := ""
	switch {
	case e.Namespace != "":
		where = fmt.Sprintf(" in namespace %q", e.Namespace)
	case e.Repo != "":
		where = " in " + e.Repo
	}
	return fmt.Sprintf("there is no %s %q%s", e.Kind, e.Name, where)
}

// Refused marks NotFound as a refusal (ops.Refusal): nothing was changed.
func (e *NotFound) Refused() {}

// Invalid is input that cannot be accepted — typed by a person, or read from a repository or
// the cluster: Msg says what was wrong and how to fix it, in the words of the package that
// found it (plain text from engines; an adapter's own refusals may be Markdown, which it
// wrote). Nothing was changed.
type Invalid struct{ Msg string }

func (e *Invalid) Error() string { return e.Msg }

// Refused marks Invalid as a refusal (ops.Refusal): nothing was changed.
func (e *Invalid) Refused() {}

// Invalidf is an *Invalid with a formatted message.
func Invalidf(format string, args ...any) error { return &Invalid{Msg: fmt.Sprintf(format, args...)} }

// IsNotFound says whether err is (or wraps) a *NotFound of kind ("" for any kind).
func IsNotFound(err error, kind string) bool {
	var nf *NotFound
	return errors.As(err, &nf) && (kind == "" || nf.Kind == kind)
}
