package words

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
)

// The words of linking and unlinking workloads (ops.Link, ops.Unlink), and of workloads that
// do not exist. Linking is done in conversations only: the next steps are slash commands.

// Typed is how a person names a workload in a command: "deployment/web -n shop".
func Typed(ref kube.WorkloadRef) string {
	return fmt.Sprintf("%s/%s -n %s", strings.ToLower(ref.Kind), ref.Name, ref.Namespace)
}

// WorkloadName names a workload in a reply: "Deployment `web` in namespace `shop`".
func WorkloadName(ref kube.WorkloadRef) string {
	return fmt.Sprintf("%s `%s` in namespace `%s`", ref.Kind, ref.Name, ref.Namespace)
}

// workloadNotFound says a workload a command names does not exist.
func workloadNotFound(e *ops.NotFound) string {
	return fmt.Sprintf("there is no %s `%s` in namespace `%s`. Check the kind, the name and the namespace (`-n NAMESPACE`, default `default`).", e.Kind, e.Name, e.Namespace)
}

// isWorkload says whether a NotFound is of a workload (Kind "Deployment", not the registry's
// "deployment").
func isWorkload(e *ops.NotFound) bool {
	kind, ok := kube.WorkloadKind(e.Kind)
	return ok && kind == e.Kind
}

// linkedElsewhere words a link or unlink refused because the workload is another repo's; a
// fix says it with the command to run there (FixRefusal).
func linkedElsewhere(e *ops.LinkedElsewhere) string {
	ref := e.Workload
	if e.Verb == "link" {
		return fmt.Sprintf("%s `%s` in namespace `%s` is linked to the deployment `%s` of %s. Only a conversation of that repo can unlink it: `/rigel unlink %s` there.", ref.Kind, ref.Name, ref.Namespace, e.Deployment, e.Repo, Typed(ref))
	}
	return fmt.Sprintf("%s `%s` in namespace `%s` is linked to the deployment `%s` of %s. Only a conversation of that repo can unlink it.", ref.Kind, ref.Name, ref.Namespace, e.Deployment, e.Repo)
}

func alreadyLinked(e *ops.AlreadyLinked) string {
	ref := e.Workload
	return fmt.Sprintf("%s `%s` in namespace `%s` is already linked to the deployment `%s` (folder `%s`). Nothing was changed. To link it to `%s` instead: `/rigel link %s %s --force`.",
		ref.Kind, ref.Name, ref.Namespace, e.To, e.Path, e.Want, Typed(ref), e.Want)
}

func deleted(e *ops.Deleted) string {
	ref := e.Workload
	return fmt.Sprintf("%s `%s` in namespace `%s` was deleted meanwhile. Nothing was changed.", ref.Kind, ref.Name, ref.Namespace)
}
