package ops

import (
	"context"
	"regexp"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// Rollback (issue 12): `/rigel rollback NAME [COMMIT]` previews a deployment at a commit of its
// history (config.Deployment.History: the syncs before its last one, newest first) exactly as
// `/rigel sync` previews the branch's tip, and arms the apply of that preview pinned to that
// commit (PlanID.Rollback). The apply (apply.go) is an apply like any other — lock, holds,
// digest, policy, takeover, reconciler — except that the commit it checks is the pinned one,
// which must still be in the history, instead of the branch's tip; the registry records it as
// a rollback (config.SyncKindRollback). Not in a pull request (*RollbackInPull).

// RollbackRequest is what a rollback goes back to.
type RollbackRequest struct {
	At Target // the branch the deployment follows
	// Commit is "" for the previous successful sync (DefaultRollback), else a full commit or a
	// unique prefix of at least 7 hex digits of a commit in the deployment's history.
	Commit string
}

// RollbackOf is what a rollback preview goes back from and to.
type RollbackOf struct {
	From *config.LastSync // the deployment's last sync, which the rollback replaces; nil: none
	To   config.LastSync  // the sync of the history it goes back to
}

// Rollback previews dep at the commit req names (or the previous successful sync) and arms
// the apply of exactly that preview. It refuses in a pull request (*RollbackInPull), when
// there is nothing to roll back to (*NoRollback), when req.Commit is not one commit of the
// history (*NotInHistory), and as any sync does (*PullHeld, *RenderFailed…).
func (s *Service) Rollback(ctx context.Context, call Call, dep config.Deployment, req RollbackRequest) (*Preview, error) {
	if call.IsPR {
		return nil, &RollbackInPull{Deployment: dep.Name, Repo: call.Repo.FullName(), Pull: call.Number}
	}
	to, err := s.rollbackTo(dep, req.Commit)
	if err != nil {
		return nil, err
	}
	zerolog.Ctx(ctx).Info().Str("to", to.Commit).Str("kind", to.Kind).Msg("previewing a rollback")
	p, err := s.Preview(ctx, call, dep, PreviewRequest{At: req.At.At(to.Commit), Verb: "rollback", Arm: true})
	if err != nil {
		return nil, err
	}
	p.Rollback = &RollbackOf{From: dep.LastSync, To: to}
	return p, nil
}

// DefaultRollback is the sync a rollback of dep without a commit goes back to: the newest of
// its history that succeeded at a commit other than its last sync's; nil when there is none.
func DefaultRollback(dep config.Deployment) *config.LastSync {
	last := ""
	if dep.LastSync != nil {
		last = dep.LastSync.Commit
	}
	for _, h := range RollbackChoices(dep) {
		if h.Status == sync.StatusSucceeded && !strings.EqualFold(h.Commit, last) {
			return &h
		}
	}
	return nil
}

// RollbackChoices are the syncs of dep's history a rollback can name, newest first, one per
// commit (its newest sync there). An entry that holds no full commit (a hand-edited registry)
// is left out.
func RollbackChoices(dep config.Deployment) []config.LastSync {
	var out []config.LastSync
	seen := map[string]bool{}
	for _, h := range dep.History {
		c := strings.ToLower(h.Commit)
		if !fullCommit.MatchString(c) || seen[c] {
			continue
		}
		seen[c] = true
		h.Commit = c
		out = append(out, h)
	}
	return out
}

var (
	fullCommit   = regexp.MustCompile(`^[0-9a-f]{40}$`)
	commitPrefix = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
)

// rollbackTo is the sync of dep's history that commit names ("": DefaultRollback).
func (s *Service) rollbackTo(dep config.Deployment, commit string) (config.LastSync, error) {
	choices := RollbackChoices(dep)
	if commit == "" {
		if to := DefaultRollback(dep); to != nil {
			return *to, nil
		}
		return config.LastSync{}, &NoRollback{Deployment: dep.Name, Last: dep.LastSync, History: dep.History, Keep: s.syncHistory()}
	}
	refuse := &NotInHistory{Deployment: dep.Name, Asked: commit, Choices: choices}
	want := strings.ToLower(strings.TrimSpace(commit))
	if !commitPrefix.MatchString(want) {
		refuse.NotACommit = true
		return config.LastSync{}, refuse
	}
	var found []config.LastSync
	for _, h := range choices {
		if strings.HasPrefix(h.Commit, want) {
			found = append(found, h)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return config.LastSync{}, refuse
	}
	refuse.Ambiguous = true
	return config.LastSync{}, refuse
}

// rollbackHead is the target of the apply of a rollback preview (id.Rollback): the pinned
// commit on the deployment's branch, once it is checked that the call is not in a pull request
// (*RollbackInPull) and that the commit is still in the deployment's history as the registry
// holds it now (*NotInHistory). The caller holds the deployment's lock.
func (s *Service) rollbackHead(ctx context.Context, call Call, dep config.Deployment, at Target, id PlanID) (Target, error) {
	if call.IsPR {
		return Target{}, &RollbackInPull{Deployment: dep.Name, Repo: call.Repo.FullName(), Pull: call.Number}
	}
	src, err := s.load(ctx)
	if err != nil {
		return Target{}, err
	}
	if _, now := src.FindDeployment(dep.Name); now != nil {
		dep = *now
	}
	if !fullCommit.MatchString(id.Commit) {
		return Target{}, &NotInHistory{Deployment: dep.Name, Asked: id.Commit, NotACommit: true, Choices: RollbackChoices(dep)}
	}
	to, err := s.rollbackTo(dep, id.Commit)
	if err != nil {
		return Target{}, err
	}
	return at.At(to.Commit), nil
}

// syncHistory is how many earlier syncs the registry keeps for each deployment.
func (s *Service) syncHistory() int {
	if s.SyncHistory < 1 {
		return config.HistoryLimit
	}
	return s.SyncHistory
}
