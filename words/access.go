package words

import (
	"fmt"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// forbidden says whose role is below what was asked for, and how to go on.
func forbidden(e *ops.Forbidden) string {
	var what string
	switch e.Guard {
	case ops.GuardNone:
		return fmt.Sprintf("@%s has the `%s` role on %s, and `/rigel %s` needs `%s` or higher. Nothing was done. Ask an admin of %s for `%s` access, or ask someone who has it to run the command.",
			e.User, e.Have, e.Repo, e.Verb, e.Need, e.Repo, e.Need)
	case ops.GuardSetPolicy:
		what = "`--namespaces` sets the deployment's policy, which"
	case ops.GuardRemove:
		what = fmt.Sprintf("removing %s, which has a policy (adding it again would drop the policy), is something", Code(e.Deployment))
	}
	return fmt.Sprintf("%s only an admin of %s may do, and @%s has the `%s` role. Nothing was done. A cluster admin can also edit the policy in ConfigMap `%s` (namespace `%s`).",
		what, e.Repo, e.User, e.Have, config.SourcesConfigMap, e.Namespace)
}
