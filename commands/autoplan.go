package commands

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// PullRequest is a head of a pull request to preview by itself (a pull_request event), or to
// preview again (a check run asked to run again).
type PullRequest struct {
	DeliveryID string
	Repo       Repo
	Number     int
	Head       PullHead // as the event names it
	Base       string   // the base commit
	Author     string   // who opened the pull request
	// Only previews these deployments again, even at a head they were previewed at; nil: the
	// deployments the pull request's changes affect, each once per head.
	Only []string
}

// autoplanRuns are the autoplans running in this replica, by pull request: a newer head
// cancels the run of an older one.
type autoplanRuns struct {
	mu   gosync.Mutex
	runs map[string]*autoplanRun
}

type autoplanRun struct {
	head   string
	cancel context.CancelFunc
}

// begin registers a run of head of pull request key, cancelling a running one of another
// head. end unregisters it.
func (a *autoplanRuns) begin(ctx context.Context, key, head string) (context.Context, func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.runs == nil {
		a.runs = map[string]*autoplanRun{}
	}
	if old, ok := a.runs[key]; ok && old.head != head {
		zerolog.Ctx(ctx).Info().Str("head", shortSHA(old.head)).Msg("autoplan of an older head cancelled by a newer head")
		old.cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	run := &autoplanRun{head: head, cancel: cancel}
	a.runs[key] = run
	return ctx, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.runs[key] == run {
			delete(a.runs, key)
		}
		cancel()
	}
}

// Autoplan previews the head of a pull request by itself (ops.Autoplan decides what) and
// publishes each deployment's outcome: its living comment (living.go), Rigel's typed previews
// the head made outdated hidden, and its check run (checks.go). A head a deployment's living
// comment already shows is not previewed again (a redelivered or duplicate event), unless asked
// again (Only). A result for a head that is no longer the pull request's head is dropped: the
// newer head's run publishes its own.
func (r *Runner) Autoplan(ctx context.Context, gh GitHub, pr PullRequest) error {
	log := zerolog.Ctx(ctx).With().Str("head", shortSHA(pr.Head.SHA)).Logger()
	ctx = log.WithContext(ctx)
	ctx, end := r.autoplans.begin(ctx, pr.Repo.FullName()+"#"+fmt.Sprint(pr.Number), pr.Head.SHA)
	defer end()
	req := Request{DeliveryID: pr.DeliveryID, Repo: pr.Repo, Number: pr.Number, IsPR: true, Author: pr.Author}
	st, err := r.readConversation(ctx, gh, req)
	if err != nil {
		return err
	}
	ck := &checks{r: r, gh: gh, repo: pr.Repo, head: pr.Head.SHA, runs: map[string]int64{}}
	var errs []error
	call := ops.Call{Repo: pr.Repo, Number: pr.Number, IsPR: true, Author: pr.Author, Forge: gh}
	done, err := r.Ops.Autoplan(ctx, call, ops.AutoplanRequest{
		Number: pr.Number, Head: pr.Head, Base: pr.Base, Author: pr.Author, Only: pr.Only,
		Done: func(_ context.Context, dep string) bool {
			l := st.living[dep]
			return pr.Only == nil && l != nil && l.Head == pr.Head.SHA
		},
		Starting: func(ctx context.Context, deps []config.Deployment) {
			names := make([]string, len(deps))
			for i, d := range deps {
				names[i] = d.Name
			}
			ck.start(ctx, names)
		},
		Each: func(ctx context.Context, o ops.AutoplanOutcome) {
			if err := r.publishOutcome(ctx, gh, req, st, ck, o); err != nil {
				errs = append(errs, err)
			}
		},
	})
	if err != nil && ctx.Err() != nil {
		log.Info().Err(err).Msg("autoplan stopped: a newer head replaced this one, or Rigel is stopping")
		return errors.Join(errs...)
	}
	if err != nil {
		return fmt.Errorf("failed to autoplan %s#%d at %s: %w", pr.Repo.FullName(), pr.Number, shortSHA(pr.Head.SHA), err)
	}
	if done.Skipped == "" && ctx.Err() == nil {
		r.publishUnaffected(ctx, gh, req, st, ck, done, &errs)
	}
	ev := log.Info().Str("skipped", string(done.Skipped)).Int("files", done.Files).Bool("complete", done.Complete).Int("previewed", len(done.Previewed()))
	if done.Fork != nil {
		ev = ev.Str("fork", done.Fork.HeadRepo)
	}
	ev.Msg("autoplan done")
	return errors.Join(errs...)
}

// publishOutcome publishes one deployment's outcome, unless its head is no longer the pull
// request's (then its check run is closed as cancelled, and nothing else is written).
func (r *Runner) publishOutcome(ctx context.Context, gh GitHub, req Request, st *conversationState, ck *checks, o ops.AutoplanOutcome) error {
	log := zerolog.Ctx(ctx).With().Str("deployment", o.Deployment.Name).Logger()
	// Written even when the run was cancelled: what was started is closed.
	wctx, cancel := replyContext(ctx)
	defer cancel()
	if ctx.Err() != nil {
		ck.cancel(wctx, o.Deployment.Name)
		return nil
	}
	now, err := gh.PullHead(ctx, req.Repo, req.Number)
	if err != nil {
		return fmt.Errorf("failed to read the head of #%d before publishing: %w", req.Number, err)
	}
	if now.SHA != o.Head {
		log.Info().Str("now", shortSHA(now.SHA)).Msg("autoplan result of a replaced head dropped")
		ck.cancel(wctx, o.Deployment.Name)
		return nil
	}
	id, err := r.publishLiving(wctx, gh, req, st, o)
	if err != nil {
		err = fmt.Errorf("failed to write the preview comment of %s on #%d: %w", o.Deployment.Name, req.Number, err)
	}
	r.hideOutdated(wctx, gh, req, st, o.Deployment.Name, o.Head)
	if cerr := ck.finish(wctx, o.Deployment.Name, renderCheck(o, r.commentURL(req, id)), r.commentURL(req, id)); cerr != nil {
		err = errors.Join(err, fmt.Errorf("failed to complete the preview check of %s: %w", o.Deployment.Name, cerr))
	}
	return err
}

// publishUnaffected says, for each deployment previewed at an earlier head of the pull request
// that the head no longer affects (a change reverted), that there is nothing to preview: its
// living comment (which then arms nothing) once, and a neutral check run on each new head, so
// a branch protection that requires the check does not wait for a preview that will not come.
func (r *Runner) publishUnaffected(ctx context.Context, gh GitHub, req Request, st *conversationState, ck *checks, done *ops.Autoplanned, errs *[]error) {
	for _, o := range done.Outcomes {
		l := st.living[o.Deployment.Name]
		if o.Affected || l == nil || l.Head == o.Head {
			continue
		}
		if l.Summary != unchangedWord {
			if err := r.publishOutcome(ctx, gh, req, st, ck, o); err != nil {
				*errs = append(*errs, err)
			}
			continue
		}
		url := r.commentURL(req, l.ID)
		if err := ck.finish(ctx, o.Deployment.Name, renderCheck(o, url), url); err != nil {
			*errs = append(*errs, fmt.Errorf("failed to complete the preview check of %s: %w", o.Deployment.Name, err))
		}
	}
}
