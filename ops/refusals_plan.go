package ops

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
)

// The refusals of previewing and applying. Each says why nothing was applied (or previewed),
// with the facts an adapter needs to word it (package words) and to say how to go on.

// StaleWhy is what changed since a preview.
type StaleWhy int

const (
	// StaleCommit: the target points at another commit than the one previewed.
	StaleCommit StaleWhy = iota + 1
	// StaleDigest: at the same commit, a fresh plan differs (the cluster or the folder changed).
	StaleDigest
)

// Stale refuses an apply: what was previewed is no longer what applying would do. Nothing was
// applied.
type Stale struct {
	Deployment string
	Commit     string // the previewed commit
	Now        Target // the target now; Now.Commit is where it points
	Why        StaleWhy
	Digest     string // the previewed digest (StaleDigest)
	NowDigest  string // the fresh plan's (StaleDigest)
}

func (e *Stale) Error() string {
	if e.Why == StaleCommit {
		return fmt.Sprintf("the preview of %s was for %s, but %s is now at %s: nothing was applied", e.Deployment, shortCommit(e.Commit), e.Now.Ref, shortCommit(e.Now.Commit))
	}
	return fmt.Sprintf("the plan of %s at %s changed since its preview (digest %s, now %s): nothing was applied", e.Deployment, shortCommit(e.Commit), e.Digest, e.NowDigest)
}

// Refused marks Stale as a refusal.
func (e *Stale) Refused() {}

// Policy refuses what a deployment's policy does not allow: for an apply, the objects of Plan
// that break it (Plan's Violating changes; forcing does not override it; nothing was applied);
// for a link or a fix, the one Object (nothing was changed, pushed or opened).
type Policy struct {
	Plan      *sync.Plan    // an apply's fresh plan
	Namespace string        // where the registry ConfigMap (which keeps the policy) lives
	Object    *PolicyObject // a link or a fix
}

// PolicyObject is what a link or a fix would touch that the policy refuses, and why.
type PolicyObject struct {
	Deployment string
	Verb       string // "link" or "fix"
	Kind       string
	Name       string
	Namespace  string
	Built      bool   // the object as the fixed folder builds it (not the workload as it is)
	Msg        string // the rule it breaks (policy.Violation's Msg)
}

func (e *Policy) Error() string {
	if o := e.Object; o != nil {
		return fmt.Sprintf("the policy of the deployment %s does not allow %s %s in namespace %s: %s", o.Deployment, o.Kind, o.Name, o.Namespace, o.Msg)
	}
	return fmt.Sprintf("the policy of %s refuses %d objects of %s: nothing was applied", e.Plan.Deployment, len(e.Plan.Violating()), shortCommit(e.Plan.Commit))
}

// Refused marks Policy as a refusal.
func (e *Policy) Refused() {}

// Takeover refuses to apply a plan that would take objects from another deployment that is
// still registered (TakenFrom(Plan)). Forcing does not override it. Nothing was applied.
type Takeover struct{ Plan *sync.Plan }

func (e *Takeover) Error() string {
	return fmt.Sprintf("%d objects of %s at %s belong to another registered deployment: nothing was applied", len(TakenFrom(e.Plan)), e.Plan.Deployment, shortCommit(e.Plan.Commit))
}

// Refused marks Takeover as a refusal.
func (e *Takeover) Refused() {}

// Reconciler refuses to apply, without Force, a plan some of whose objects another reconciler
// (Argo CD, Flux) manages (Plan's Reconciled changes). Nothing was applied.
type Reconciler struct{ Plan *sync.Plan }

func (e *Reconciler) Error() string {
	return fmt.Sprintf("%d objects of %s are managed by another reconciler: nothing was applied without force", len(e.Plan.Reconciled()), e.Plan.Deployment)
}

// Refused marks Reconciler as a refusal.
func (e *Reconciler) Refused() {}

// PullState is why a pull request is not open for applying.
type PullState int

const (
	PullMerged PullState = iota + 1
	PullClosed
	PullDraft
)

// PullNotOpen refuses to apply from a pull request that was merged, is closed or is a draft.
// Nothing was applied.
type PullNotOpen struct {
	Pull   int
	Repo   string // owner/name
	Branch string // the branch Rigel follows in the repo, where a merged PR is applied from
	State  PullState
}

func (e *PullNotOpen) Error() string {
	state := map[PullState]string{PullMerged: "was merged", PullClosed: "is closed", PullDraft: "is a draft"}[e.State]
	return fmt.Sprintf("PR #%d of %s %s: nothing was applied", e.Pull, e.Repo, state)
}

// Refused marks PullNotOpen as a refusal.
func (e *PullNotOpen) Refused() {}

// ForkApply refuses to apply a pull request from a fork (unless the settings allow it): its
// code was not pushed by someone with write access. Nothing was applied.
type ForkApply struct {
	Pull     int
	Repo     string // the base repository
	HeadRepo string // the fork; "" when it no longer exists
}

func (e *ForkApply) Error() string {
	return fmt.Sprintf("PR #%d of %s comes from the fork %q: nothing was applied", e.Pull, e.Repo, e.HeadRepo)
}

// Refused marks ForkApply as a refusal.
func (e *ForkApply) Refused() {}

// MergeableRereads is how many times a pull request whose mergeability GitHub is still
// computing is read again before the gate refuses it as unknown (waits of 1, 2 and 4 times
// MergeableGate.Wait).
const MergeableRereads = 3

// RequirementKind is a gate of applying a pull request that does not hold.
type RequirementKind int

const (
	// ChangesRequested: writers (Users) request changes.
	ChangesRequested RequirementKind = iota + 1
	// Unapproved: nobody with write approved the head (Head).
	Unapproved
	// ApprovalByNonWriter: User approved but has only Role; it does not count.
	ApprovalByNonWriter
	// ApprovalOfOtherCommit: User approved Commit ("": an earlier commit GitHub no longer
	// names), not Head.
	ApprovalOfOtherCommit
	// MergeableState: GitHub's mergeable_state State is refused; Base is the base branch ("" when
	// unknown), ByDefault says Rigel's defaults refuse it (not a list the admin wrote).
	MergeableState
)

// Requirement is one missing requirement of applying a pull request, with its facts.
type Requirement struct {
	Kind      RequirementKind
	Users     []string // @logins (ChangesRequested) or the one reviewer (approvals)
	Role      string   // the reviewer's role (ApprovalByNonWriter)
	Commit    string   // the commit approved (ApprovalOfOtherCommit)
	Head      string   // the pull request's head
	State     string   // the mergeable_state (MergeableState)
	Base      string   // the base branch (MergeableState)
	ByDefault bool     // MergeableState refused by Rigel's defaults
}

// NotReady refuses to apply a pull request whose gates do not hold (approval, requested
// changes, mergeability); Missing lists every requirement not met, in order. Nothing was
// applied.
type NotReady struct {
	Pull    int
	Missing []Requirement
}

func (e *NotReady) Error() string {
	kinds := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		kinds[i] = fmt.Sprint(m.Kind)
	}
	return fmt.Sprintf("PR #%d is not ready to apply (%d requirements missing: %s): nothing was applied", e.Pull, len(e.Missing), strings.Join(kinds, ","))
}

// Refused marks NotReady as a refusal.
func (e *NotReady) Refused() {}

// ForkPreview refuses to preview a pull request from a fork for someone without Need on the
// repository (unless the settings open fork previews): a preview renders the fork's files
// and sends them to the cluster. Nothing was fetched, rendered or sent.
type ForkPreview struct {
	Pull     int
	Repo     string // the base repository
	HeadRepo string // the fork; "" when it no longer exists
	Author   string // who asked
	Have     string // their role
	Need     string // the role a fork preview needs
	Verb     string // what was asked ("diff", "sync")
}

func (e *ForkPreview) Error() string {
	return fmt.Sprintf("PR #%d of %s comes from the fork %q and @%s has %s, not %s: nothing was previewed", e.Pull, e.Repo, e.HeadRepo, e.Author, e.Have, e.Need)
}

// Refused marks ForkPreview as a refusal.
func (e *ForkPreview) Refused() {}

// Interrupted is an apply cut short (Rigel shutting down, its lock or record lost): some
// objects may have been applied. It is a failure, not a refusal; it unwraps to Cause.
type Interrupted struct {
	Deployment string
	Commit     string
	Cause      error        // why it was cut short (context.Cause)
	Result     *sync.Result // the apply's result when it had applied and was waiting for health; nil: cut short while applying
	Recorded   string       // the status recorded in the registry ("" when recording failed)
	RecordErr  error        // why recording the interrupted sync failed
}

// Error is the cause's: what stopped the apply.
func (e *Interrupted) Error() string { return e.Cause.Error() }

// Unwrap is the cause.
func (e *Interrupted) Unwrap() error { return e.Cause }
