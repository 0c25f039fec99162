package sync

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Provenance annotations: the documented contract other tools rely on.
const (
	AnnotationSourceRepo = "helmsman.dev/source-repo" // the deployment name
	AnnotationSourcePath = "helmsman.dev/source-path" // the deployment's folder
	FieldManager         = "rigel"
)

// Object is one rendered manifest and where it came from.
type Object struct {
	Obj    *unstructured.Unstructured
	Source string // file, relative to the repo root ("apps/web/k8s/deploy.yaml"); "" when built by kustomize
}

// Ref names a cluster object.
type Ref struct {
	Group, Version, Kind, Namespace, Name string
}

// String is "Kind/namespace/name" or "Kind/name".
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return fmt.Sprintf("%s/%s/%s", r.Kind, r.Namespace, r.Name)
}

// RefOf returns the Ref of an object.
func RefOf(u *unstructured.Unstructured) Ref {
	gvk := u.GroupVersionKind()
	return Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}
}

// Action is what applying would do to one object.
type Action string

const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionError     Action = "error" // the apiserver refused the object in dry-run
	// ActionBlocked: the deployment's policy refuses the object (DiffOptions.Refuse), so it
	// was never sent to the cluster: not dry-run, not read. Its preview is the manifest alone.
	ActionBlocked Action = "blocked"
	// ActionDelete: an orphan of the inventory that the apply deleted (Result.Pruned);
	// ActionKeep: one it left in place (Message says why).
	ActionDelete Action = "delete"
	ActionKeep   Action = "keep"
)

// SecretKeys says which keys of a Secret's data change; values are never kept.
type SecretKeys struct {
	Added, Removed, Changed []string
}

// Change is the preview of one object.
type Change struct {
	Ref    Ref
	Action Action
	Source string      // file it came from, if known
	Diff   string      // unified YAML diff (live → after apply), Secret values masked; empty when unchanged
	Secret *SecretKeys // set for Secrets
	Note   string      // e.g. "namespace shop is created by this plan: shown as sent, without server defaults"
	Err    string      // apiserver message when Action is ActionError (never carries Secret data)
	// ManagedBy is set when the live object is managed by another reconciler (Argo CD, Flux).
	ManagedBy *Reconciler
	// ClusterScoped: the kind is known (to the cluster or from a CRD of the plan) to be cluster-scoped.
	ClusterScoped bool
	// Violations are the rules of the deployment's policy the object breaks (set by the caller,
	// or by Diff from DiffOptions.Refuse, then Action is ActionBlocked).
	Violations []Violation
	// Unmanaged is set when the object exists and this deployment does not manage it (its
	// provenance names another deployment, or none): Diff then shows no live value of it.
	Unmanaged *Unmanaged
	// HandOver is set when client-side kubectl apply manages fields of the live object:
	// applying moves them to Rigel first, removing those git no longer sets (handover.go).
	HandOver *HandOver

	// Wave is the object's Argo CD sync wave (argocd.argoproj.io/sync-wave, waves.go): Apply
	// applies the lowest first, each awaited before the next. 0 without the annotation.
	Wave int
	// Argo holds what the object's Argo CD sync and compare options say (syncoptions.go); nil
	// when it has none.
	Argo *ArgoOptions

	liveRV    string    // the resourceVersion of the live object the preview read ("" when absent): a replace sends it
	handover  *handover // the migration Apply sends first
	desired   *unstructured.Unstructured
	liveShown bool // DiffOptions.LiveOfUnmanaged: messages about it need not be hidden
	// kindLater: the cluster did not know the object's kind at the preview (a CRD of the plan
	// or of its pre hook defines it, or SkipDryRunOnMissingResource=true): Apply waits, bounded,
	// for the kind to be served before sending it (syncoptions_crd.go).
	kindLater bool
}

// NewChange is the change of the object desired (nil when unknown) with ref, as a policy
// sees it before the diff (DiffOptions.Refuse).
func NewChange(ref Ref, clusterScoped bool, desired *unstructured.Unstructured) Change {
	return Change{Ref: ref, ClusterScoped: clusterScoped, desired: desired}
}

// Desired is the object as it will be sent (provenance stamped).
func (c *Change) Desired() *unstructured.Unstructured { return c.desired }

// Plan is the preview of one deployment at one commit. Digest identifies the rendered objects
// and the live state they were compared with: apply refuses when it differs.
type Plan struct {
	Deployment string
	Path       string
	Commit     string
	Changes    []Change
	// Orphans are the members of the deployment's inventory that the folder no longer renders
	// (inventory.go): what an apply that prunes deletes. The digest covers them.
	Orphans []Orphan
	// Hooks are the rendered objects with hook annotations (hooks.go): kept apart from
	// Changes, run by Apply in their stage, in this order. The digest covers them.
	Hooks  []HookChange
	Digest string
}

// Counts returns how many objects are created, changed, unchanged and refused. A hook that
// runs and that the preview refused (hooks.go) counts as refused: applying would fail at it.
func (p *Plan) Counts() (create, update, unchanged, failed int) {
	for _, h := range p.Hooks {
		if h.Action == ActionError && h.Stage != HookNotRun {
			failed++
		}
	}
	for _, c := range p.Changes {
		switch c.Action {
		case ActionCreate:
			create++
		case ActionUpdate:
			update++
		case ActionUnchanged:
			unchanged++
		case ActionError:
			failed++
		}
	}
	return
}

// ObjectResult is the outcome of applying one object.
type ObjectResult struct {
	Ref     Ref
	Action  Action // what was done: create, update, unchanged, error
	Health  string // kstatus status after the wait: Current, InProgress, Failed, ... ("" if not waited)
	Message string // health message or apiserver error (never Secret data)
}

// Result is the outcome of applying a plan.
type Result struct {
	Objects []ObjectResult
	// Pruned is the outcome for each orphan of the plan when the apply pruned (ApplyOptions.Prune):
	// ActionDelete, ActionKeep or ActionError, in the order they were deleted.
	Pruned []ObjectResult
	// Hooks is the outcome of each hook of the plan, in the order they ran (hooks_apply.go).
	Hooks []HookResult
	// Stopped says why the later sync waves were not applied (waves.go); "" when none was left.
	Stopped  string
	Status   string // "Succeeded", "Failed" or "Unhealthy"
	Started  time.Time
	Finished time.Time
	// StoppedWave is the wave the apply stopped at when Stopped is set (the HTTP API says it).
	StoppedWave int
}
