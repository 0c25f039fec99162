package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/notify"
	"github.com/rigel-gitops/rigel/sync"
)

// Notifications (issue 12): each apply (by comment, API, merge, push, rollback), its failure,
// and drift found or cleared is told to a Notifier, which makes it a GitHub Deployment with
// deployment statuses and, when configured, a message to a Slack-compatible webhook (package
// notify). A Notifier never blocks an operation nor fails it: Notify returns at once.

// The outcomes told to a Notifier (Notification.Kind), named here so adapters need only ops.
const (
	NotifyApplying   = notify.Applying   // an apply passed every guard and starts
	NotifyApplied    = notify.Applied    // it finished: Notification.Status says how
	NotifyFailed     = notify.Failed     // it failed or was interrupted
	NotifyDrifted    = notify.Drifted    // a drift check found the deployment drifted
	NotifyDriftGone  = notify.DriftGone  // a drift check found it in sync again
	NotifyDriftCheck = notify.DriftCheck // in sync, and what was known before is not (a new leader)
)

// Notification is one outcome of a deployment, as a Notifier is told it (package notify declares
// it): a summary only, never an object's content.
type Notification = notify.Event

// notify tells s.Notifier e, when there is one.
func (s *Service) notify(ctx context.Context, e Notification) {
	if s.Notifier == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	s.Notifier.Notify(ctx, e)
}

// applyNotification is the notification of an apply of dep at commit through call.
func applyNotification(kind string, call Call, dep config.Deployment, p *Preview, commit string, opts applyOpts) Notification {
	e := Notification{Kind: kind, Deployment: dep.Name, Repo: call.Repo, Commit: commit, SyncKind: opts.Kind, Author: call.Author, Number: call.Number}
	if p != nil {
		e.Ref = p.Target.Ref
	}
	return e
}

// notifyApplyDone tells how the apply whose start e told ended: res when it returned
// one, else err (a failure or an *Interrupted).
func (s *Service) notifyApplyDone(ctx context.Context, e Notification, res *sync.Result, err error) {
	var stopped *Interrupted
	switch {
	case err != nil && errors.As(err, &stopped):
		e.Kind, e.Summary = NotifyFailed, "interrupted: "+stopped.Error()
	case err != nil:
		e.Kind, e.Summary = NotifyFailed, err.Error()
	case res == nil:
		return
	default:
		e.Kind, e.Status, e.Summary = NotifyApplied, res.Status, ResultMessage(res)
		for _, o := range res.Pruned {
			switch o.Action {
			case sync.ActionDelete:
				e.Pruned++
			case sync.ActionError:
				e.PruneFailed++
			}
		}
	}
	s.notify(context.WithoutCancel(ctx), e)
}

// notifyDrift tells what drift check r of dep found, knowing prev (nil: nothing known, as
// after a change of leader): a change between drifted and in sync, or the first report of a
// leader. Problems (render, policy, dry-run) and failed checks are not drift: not told.
func (s *Service) notifyDrift(ctx context.Context, repo config.Repo, dep config.Deployment, prev, r *DriftReport) {
	if r == nil || (r.State != DriftDrifted && r.State != DriftInSync) {
		return
	}
	wasDrifted, known := false, prev != nil && (prev.State == DriftDrifted || prev.State == DriftInSync)
	if known {
		wasDrifted = prev.Drifted()
	}
	e := Notification{Deployment: dep.Name, Repo: repoOf(repo), Ref: "refs/heads/" + repo.Branch, Commit: r.Commit, Time: r.CheckedAt.UTC()}
	if dep.LastSync != nil {
		e.SyncKind = dep.LastSync.Kind
	}
	switch {
	case r.Drifted() && (!known || !wasDrifted):
		e.Kind = NotifyDrifted
		e.Summary = driftSummary(r)
	case !r.Drifted() && known && wasDrifted:
		e.Kind, e.Summary = NotifyDriftGone, "in sync again"
	case !r.Drifted() && !known:
		e.Kind, e.Summary = NotifyDriftCheck, "in sync"
	default:
		return
	}
	s.notify(ctx, e)
}

// driftSummary is the one line of a drifted report: its counts.
func driftSummary(r *DriftReport) string {
	return fmt.Sprintf("drifted: %d to create, %d to change", r.Create, r.Update)
}

// repoOf is a registry entry as the GitHub repository it names.
func repoOf(r config.Repo) Repo {
	owner, name, _ := strings.Cut(r.Repo, "/")
	return Repo{Owner: owner, Name: name, DefaultBranch: r.Branch, CloneURL: r.CloneURL, Installation: r.InstallationID}
}
