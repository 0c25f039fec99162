package ops

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/kube"
)

// The refusals of linking, unlinking and fixing workloads, and of who may do what. A workload
// or deployment that does not exist is a *NotFound (Kind the workload's kind, or "deployment").

// Forbidden refuses someone whose role on the repository is below what they asked for needs.
// Nothing was done.
type Forbidden struct {
	User string // the GitHub login who asked
	Have string // their role on Repo
	Need string // the role it needs
	Repo string // owner/name
	Verb string // the command asked for ("apply"); "" when a rule of it needs more (Guard)
	// Guard is what needs more than the command itself; GuardNone: the command.
	Guard      Guard
	Deployment string // the deployment Guard concerns
	Namespace  string // Rigel's namespace, where cluster admins edit the registry
}

// Guard is what needs a higher role than the command that does it.
type Guard int

const (
	GuardNone      Guard = iota // the command itself
	GuardSetPolicy              // setting the first policy of a new deployment
	GuardRemove                 // removing a deployment that has a policy (adding it again would drop it)
)

func (e *Forbidden) Error() string {
	what := "/rigel " + e.Verb
	switch e.Guard {
	case GuardSetPolicy:
		what = "setting the policy of a deployment"
	case GuardRemove:
		what = "removing deployment " + e.Deployment + ", which has a policy,"
	}
	return fmt.Sprintf("%s has the %s role on %s, and %s needs %s", e.User, e.Have, e.Repo, what, e.Need)
}

// Refused marks Forbidden as a refusal.
func (e *Forbidden) Refused() {}

// LinkedElsewhere refuses to link, unlink or fix a workload linked to a deployment of another
// repository: only a conversation of that repository may. Nothing was changed.
type LinkedElsewhere struct {
	Workload   kube.WorkloadRef
	Deployment string // the deployment it is linked to
	Repo       string // that deployment's repository
	Verb       string // "link", "unlink" or "fix"
}

func (e *LinkedElsewhere) Error() string {
	return fmt.Sprintf("%s is linked to the deployment %s of %s", e.Workload, e.Deployment, e.Repo)
}

// Refused marks LinkedElsewhere as a refusal.
func (e *LinkedElsewhere) Refused() {}

// AlreadyLinked refuses to link a workload linked to another deployment, without force.
// Nothing was changed.
type AlreadyLinked struct {
	Workload kube.WorkloadRef
	To       string // the deployment it is linked to
	Path     string // the folder its annotation names
	Want     string // the deployment it was to be linked to
}

func (e *AlreadyLinked) Error() string {
	return fmt.Sprintf("%s is already linked to the deployment %s (folder %s)", e.Workload, e.To, e.Path)
}

// Refused marks AlreadyLinked as a refusal.
func (e *AlreadyLinked) Refused() {}

// Deleted refuses: the workload was deleted while Rigel worked on it. Nothing was changed.
type Deleted struct{ Workload kube.WorkloadRef }

func (e *Deleted) Error() string { return fmt.Sprintf("%s was deleted meanwhile", e.Workload) }

// Refused marks Deleted as a refusal.
func (e *Deleted) Refused() {}

// NotLinked refuses to fix a workload that names no registered deployment: Rigel does not
// know which folder holds its manifest. Nothing was changed.
type NotLinked struct {
	Workload kube.WorkloadRef
	Name     string              // the deployment its annotation names; "" when none
	Here     []config.Deployment // the deployments of the conversation's repository (nil outside one)
}

func (e *NotLinked) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("%s is not linked to a deployment", e.Workload)
	}
	return fmt.Sprintf("%s is linked to the deployment %q, which is not registered", e.Workload, e.Name)
}

// Refused marks NotLinked as a refusal.
func (e *NotLinked) Refused() {}

// CannotPlace refuses a fix Rigel cannot place in the deployment's folder (fix.PlaceError).
// Nothing was changed.
type CannotPlace struct {
	Edits      []fix.Edit
	Deployment config.Deployment
	Branch     string
	Base       string // the commit of Branch
	Msg        string // why (fix.PlaceError's Msg)
}

func (e *CannotPlace) Error() string {
	return fmt.Sprintf("cannot place the fix in folder %s of deployment %s: %s", e.Deployment.Path, e.Deployment.Name, e.Msg)
}

// Refused marks CannotPlace as a refusal.
func (e *CannotPlace) Refused() {}

// BranchesTaken refuses a fix whose every branch name holds other changes: Rigel does not
// overwrite branches it did not make. Nothing was pushed.
type BranchesTaken struct{ Branches []string }

func (e *BranchesTaken) Error() string {
	return fmt.Sprintf("the branches %s hold other changes", strings.Join(e.Branches, ", "))
}

// Refused marks BranchesTaken as a refusal.
func (e *BranchesTaken) Refused() {}
