package replica

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/kube"
)

// Unfinished is a command whose replica went away before it finished, as its record says:
// what the wiring's report (Sweeper.Report) tells its conversation. Its fields were checked
// (the record's MAC verifies, the conversation is complete) but are still text from the
// cluster: quote them where they are shown.
type Unfinished struct {
	Repo         string // owner/name of the conversation
	Number       int    // its issue or PR number
	Installation int64  // the GitHub App installation to answer with
	Command      string
	Delivery     string
	Replica      string    // the replica that ran it
	LastSeen     time.Time // when that replica last renewed the record
	Phase        string    // PhaseApplying, or "" before that
	Deployment   string    // what it was applying …
	Commit       string    // … at which commit

	// What the sweeper did about an interrupted apply: the registry now records it as Failed
	// (Recorded), or recording failed (RecordErr); neither when no apply was interrupted or a
	// later sync is recorded.
	Recorded  bool
	RecordErr error
}

// Applying says whether the command was applying a deployment when its replica went away.
func (u Unfinished) Applying() bool { return u.Phase == PhaseApplying && u.Deployment != "" }

// Owner and Name are the two parts of Repo.
func (u Unfinished) Owner() string { o, _, _ := strings.Cut(u.Repo, "/"); return o }

// Name is the repository's name without its owner.
func (u Unfinished) Name() string { _, n, _ := strings.Cut(u.Repo, "/"); return n }

// readRecord is what a record says, read back by the Sweeper; an error when it does not name
// a conversation to answer in.
func readRecord(l kube.LeaseInfo) (Unfinished, error) {
	a := l.Annotations
	u := Unfinished{Command: a[annCommand], Delivery: a[annDelivery], Replica: a[annReplica], Phase: a[annPhase],
		Deployment: a[annDeployment], Commit: a[annCommit], LastSeen: l.Renewed}
	if u.Replica == "" {
		u.Replica = l.Holder
	}
	if t, err := time.Parse(time.RFC3339, a[annLastSeen]); err == nil {
		u.LastSeen = t // an earlier leader took it over but did not finish reporting it
	}
	var err error
	if u.Number, err = strconv.Atoi(a[annIssue]); err != nil || u.Number <= 0 {
		return u, fmt.Errorf("record %s has no issue number", l.Name)
	}
	if u.Installation, err = strconv.ParseInt(a[annInstallation], 10, 64); err != nil {
		return u, fmt.Errorf("record %s has no installation id", l.Name)
	}
	owner, name, ok := strings.Cut(a[annRepo], "/")
	if !ok || owner == "" || name == "" {
		return u, fmt.Errorf("record %s has no repository", l.Name)
	}
	u.Repo = owner + "/" + name
	return u, nil
}
