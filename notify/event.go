package notify

import (
	"time"

	"github.com/rigel-gitops/rigel/githubclient"
)

// The outcomes a Notifier is told (Event.Kind).
const (
	Applying   = "applying"    // an apply passed every guard and starts
	Applied    = "applied"     // it finished: Event.Status says how (Succeeded, Unhealthy, Failed)
	Failed     = "failed"      // it failed (the apiserver, the cluster) or was interrupted
	Drifted    = "drifted"     // a drift check found the deployment drifted
	DriftGone  = "drift-gone"  // a drift check found it in sync again
	DriftCheck = "drift-check" // in sync, and what was known before is not (a new leader)
)

// The statuses of an applied sync (sync.Status*, as the registry records them).
const (
	statusSucceeded = "Succeeded"
	statusUnhealthy = "Unhealthy"
)

// Event is one outcome of a deployment. It carries a summary only: names, counts, a commit,
// never an object's content (a diff, a Secret's data).
type Event struct {
	Kind       string            // Applying, Applied, Failed, Drifted, DriftGone, DriftCheck
	Deployment string            // the deployment's name: the GitHub environment
	Repo       githubclient.Repo // the deployment's repository (Installation set when known)
	Ref        string            // the ref synced from ("" unknown)
	Commit     string            // the commit applied, or re-previewed by drift detection
	SyncKind   string            // what applied it: "" a command or the API, rollback, merge, push
	Author     string            // who asked ("" the HTTP API, a push, drift detection)
	Number     int               // the issue or pull request it was asked in; 0 none (the API, a push, drift)
	Status     string            // Applied: Succeeded, Unhealthy, Failed
	// Summary is one line: the apply's counts (with what it pruned), the failure, or the
	// drift's counts.
	Summary string
	// Pruned counts the orphans an apply deleted, and those it failed to delete.
	Pruned, PruneFailed int
	Time                time.Time
}

// succeeded says an Applied event applied everything healthily.
func (e Event) succeeded() bool { return e.Kind == Applied && e.Status == statusSucceeded }

// shortSHA is the first 7 digits of a commit.
func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
