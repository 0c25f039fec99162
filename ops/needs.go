package ops

import (
	"context"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// What the service needs from the world, as small interfaces it owns. The wiring (package app)
// plugs in the real ones; tests plug in fakes.

// Registry is the registry of repositories and deployments (config.Registry).
type Registry interface {
	// Load reads the registry.
	Load(ctx context.Context) (*config.Sources, error)
	// Update changes the registry with mutate, retried on conflicts; a mutate error aborts.
	Update(ctx context.Context, mutate func(*config.Sources) error) (*config.Sources, error)
	// Namespace is where the registry (and Rigel) lives.
	Namespace() string
}

// Source brings commits of repositories and pushes branches (gitsrc.Source).
type Source interface {
	Fetch(ctx context.Context, req gitsrc.FetchRequest) (*gitsrc.Snapshot, error)
	Push(ctx context.Context, req gitsrc.PushRequest) (gitsrc.PushResult, error)
	// Host is the one git host Rigel sends credentials to.
	Host() gitsrc.Host
}

// Planner diffs rendered objects with the cluster and applies a plan (sync.Engine).
type Planner interface {
	DiffWith(ctx context.Context, objs []sync.Object, prov sync.Provenance, opts sync.DiffOptions) (*sync.Plan, error)
	Apply(ctx context.Context, plan *sync.Plan, opts sync.ApplyOptions) (*sync.Result, error)
}

// Inventories forgets a deployment's inventory, its ApplySet parent (sync.Engine). The Planner
// implements it when it keeps inventories; Forget and RemoveRepo then delete the parent.
type Inventories interface {
	// ForgetInventory deletes the parent and returns its name ("" when there was none).
	ForgetInventory(ctx context.Context, deployment string) (string, error)
}

// Workloads reads and marks the cluster's workloads (kube.Client).
type Workloads interface {
	GetWorkload(ctx context.Context, ref kube.WorkloadRef) (*kube.Workload, error)
	// Annotate sets and removes annotations of a workload at resourceVersion.
	Annotate(ctx context.Context, ref kube.WorkloadRef, resourceVersion string, set map[string]string, remove ...string) error
	// FindWorkloads lists the workloads carrying annotation key, by its value.
	FindWorkloads(ctx context.Context, key string) (map[string][]kube.WorkloadRef, error)
	// WorkloadState reads a workload with its pods, events and revisions, for a diagnosis.
	WorkloadState(ctx context.Context, ref kube.WorkloadRef) (*kube.WorkloadState, error)
}

// Observer learns what operations do, for metrics (metrics.Metrics implements it).
type Observer interface {
	// Diffed is called after diffing a deployment against the cluster.
	Diffed(deployment string, took time.Duration)
	// Applied is called after applying a deployment, with the status recorded for it.
	Applied(deployment string, took time.Duration, status string, finished time.Time)
	// Forgot is called when a deployment was removed.
	Forgot(deployment string)
}

// Locker holds the Leases that coordinate replicas (replica.Leases).
type Locker interface {
	// LockDeployment takes the apply lock of a deployment for h, so that two applies of it never
	// interleave on any replica. When another holds it, it fails with a *Held. The returned
	// context ends when the lock is lost; release gives it back.
	LockDeployment(ctx context.Context, deployment string, h Holder) (_ context.Context, release func(), _ error)
}

// Recorder is the record of a running command (package replica): told what the command does
// now, for the report should its replica die.
type Recorder interface {
	NoteApplying(ctx context.Context, deployment, commit string)
}

// Credentials is the Secret helmsman-github that holds Rigel's GitHub credentials
// (config.SecretStore). The service hands its data to no one: it answers key names only.
type Credentials interface {
	// Get reads the Secret's data; exists is false when there is no Secret. A failure is the
	// cluster's error, which the service wraps.
	Get(ctx context.Context) (data map[string][]byte, exists bool, err error)
	// Update changes the data with change and writes it back, retried on conflicts, creating
	// the Secret when there is none. A change error aborts with nothing written and is
	// returned as it is; a write the cluster forbids is a *config.SecretForbiddenError.
	Update(ctx context.Context, change func(map[string][]byte) error) (map[string][]byte, error)
}

// Verifier checks credentials with GitHub before they are stored (githubclient.Clients).
type Verifier interface {
	// VerifyToken returns the login of a personal access token GitHub accepts.
	VerifyToken(ctx context.Context, token string) (string, error)
	// VerifyApp returns the bot login of the app GitHub authenticates with this id and key.
	VerifyApp(ctx context.Context, appID int64, key []byte) (string, error)
}

// RepoLister lists the repositories GitHub shows Rigel: those of the app's installations, or
// the token's (githubclient.Clients).
type RepoLister interface {
	// VisibleRepos lists at most limit of them; truncated says GitHub shows more.
	VisibleRepos(ctx context.Context, limit int) (repos []VisibleRepo, truncated bool, err error)
}

// PullHolds keeps the holds pull requests have on deployments, in the cluster so that they
// survive restarts and every replica sees them (replica.Leases, pull_hold_store.go).
type PullHolds interface {
	// TakePullHold gives h's deployment to h's pull request unless a hold exists already;
	// it returns the hold now recorded, h's or the one that was there (compare with HeldBy).
	TakePullHold(ctx context.Context, h PullHold) (PullHold, error)
	// PullHoldOf is the hold on deployment, nil when none.
	PullHoldOf(ctx context.Context, deployment string) (*PullHold, error)
	// PullHolds lists every hold.
	PullHolds(ctx context.Context) ([]PullHold, error)
	// ReleasePullHold gives back the hold on deployment if it is still of's pull request (of
	// zero: whoever's), and reports whether it deleted one.
	ReleasePullHold(ctx context.Context, deployment string, of PullHold) (bool, error)
}

// Notifier is told each outcome of a deployment (notify.Notifier implements it). Notify must
// return at once: the work (GitHub, a webhook) runs on its own, and its failures are logged.
type Notifier interface {
	Notify(ctx context.Context, e Notification)
}
