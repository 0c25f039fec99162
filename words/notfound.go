package words

import (
	"fmt"

	"github.com/rigel-gitops/rigel/ops"
)

// deploymentNotFound says a deployment a command names does not exist, and which this repo has.
// (Area D needs it for link; the registry area words the same refusal: keep one at the merge.)
func deploymentNotFound(e *ops.NotFound, h Hints) string {
	return fmt.Sprintf("there is no deployment named %s.%s", Code(Short(e.Name)), knownDeployments(e.Known, h))
}

// knownDeployments is " This repo has: `a`, `b`. … shows them." (or how to register one).
func knownDeployments(names []string, h Hints) string {
	if len(names) == 0 {
		return " This repo has none yet: " + h.Add + " registers one."
	}
	s := " This repo has:"
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += " `" + n + "`"
	}
	return s + ". " + h.Deployments + " shows them."
}
