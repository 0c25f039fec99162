package ops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/replica"
	"github.com/rigel-gitops/rigel/sync"
)

// The holds of pull requests on deployments (issue 11, "PR-held locks", in the manner of
// Atlantis's locks): a sync in a pull request holds each deployment it armed for that PR until
// the PR is merged or closed, or `/rigel unlock` is typed in it. Meanwhile a sync or an apply
// of the deployment from anywhere else (another PR, an issue, the HTTP API) is refused with a
// *PullHeld that names the holding PR. A diff is never held back. The holds live in the
// cluster (Service.Holds, replica.Leases), so they survive restarts and every replica sees them.

// PullHold is a pull request's hold on a deployment (package replica).
type PullHold = replica.PullHold

// checkHold refuses (*PullHeld) to sync or apply (verb) deployment from anywhere but the pull
// request that holds it. A hold whose PR is closed already (its `closed` event was missed,
// say while Rigel was down) is released, logged, and does not refuse.
func (s *Service) checkHold(ctx context.Context, call Call, deployment, verb string) error {
	if s.Holds == nil {
		return nil
	}
	for attempt := 0; attempt < 3; attempt++ { // a hold released as stale is read again: another PR may have taken it
		h, err := s.Holds.PullHoldOf(ctx, deployment)
		if err != nil {
			return err
		}
		if h == nil || (call.IsPR && h.HeldBy(call.Repo.FullName(), call.Number)) {
			return nil
		}
		released, err := s.releaseIfClosed(ctx, call, *h)
		if err != nil {
			return err
		}
		if !released {
			return s.heldRefusal(*h, deployment, verb)
		}
	}
	return fmt.Errorf("failed to check the hold on %s: it kept changing", deployment)
}

// holdForPull holds deployment for the call's pull request, after its sync armed a preview:
// a hold that exists stays as it is when it is this PR's (re-syncing keeps it), and refuses
// (*PullHeld) when another PR took it meanwhile (of two PRs racing, one wins). Outside a PR
// nothing is held.
func (s *Service) holdForPull(ctx context.Context, call Call, deployment, verb string) (*PullHold, error) {
	if s.Holds == nil || !call.IsPR {
		return nil, nil
	}
	want := PullHold{Deployment: deployment, Repo: call.Repo.FullName(), Number: call.Number, Author: call.Author, Since: time.Now()}
	for attempt := 0; attempt < 2; attempt++ {
		got, err := s.Holds.TakePullHold(ctx, want)
		if err != nil {
			return nil, err
		}
		if got.HeldBy(want.Repo, want.Number) {
			if got.Since.Equal(want.Since.UTC().Truncate(time.Microsecond)) {
				zerolog.Ctx(ctx).Info().Str("deployment", deployment).Str("pull", want.Pull()).Msg("deployment held for the pull request")
			}
			return &got, nil
		}
		if released, err := s.releaseIfClosed(ctx, call, got); err != nil {
			return nil, err
		} else if !released {
			return nil, s.heldRefusal(got, deployment, verb)
		}
	}
	return nil, fmt.Errorf("failed to hold %s for %s: its hold kept changing", deployment, want.Pull())
}

func (s *Service) heldRefusal(h PullHold, deployment, verb string) *PullHeld {
	age := time.Duration(0)
	if !h.Since.IsZero() {
		age = time.Since(h.Since)
	}
	return &PullHeld{Deployment: deployment, Verb: verb, Hold: h, Age: age, Namespace: s.namespace()}
}

// releaseIfClosed gives back h when its pull request is merged or closed, as GitHub says now
// (the call's Forge, when the PR is of the call's repository: a deployment's PRs are of its
// repository). When the PR cannot be read, the hold stands.
func (s *Service) releaseIfClosed(ctx context.Context, call Call, h PullHold) (bool, error) {
	log := zerolog.Ctx(ctx).With().Str("deployment", h.Deployment).Str("pull", h.Pull()).Logger()
	if call.Forge == nil || h.Number <= 0 || !strings.EqualFold(call.Repo.FullName(), h.Repo) {
		return false, nil
	}
	pr, err := call.Forge.PullHead(ctx, call.Repo, h.Number)
	if err != nil {
		log.Warn().Err(err).Msg("could not read the pull request that holds the deployment; the hold stands")
		return false, nil
	}
	if !pr.Merged && !strings.EqualFold(pr.State, "closed") {
		return false, nil
	}
	released, err := s.Holds.ReleasePullHold(ctx, h.Deployment, h)
	if err != nil {
		return false, err
	}
	log.Info().Bool("released", released).Bool("merged", pr.Merged).Msg("released the hold of a pull request that is closed already")
	return true, nil // released now, or by someone else meanwhile: not this PR's any more
}

// Unlocked is what `/rigel unlock` gave back.
type Unlocked struct {
	Released []PullHold // the holds of this pull request given back
	NotHeld  []string   // deployments named that nothing held
	Others   []PullHold // deployments named that another PR holds: left as they are
}

// Unlock gives back the holds of the call's pull request on deps; deps nil: on every
// deployment it holds. Outside a pull request it refuses (*UnlockOutsidePull): a hold is given
// back where it was taken, or broken by an operator (BreakHold).
func (s *Service) Unlock(ctx context.Context, call Call, deps []config.Deployment) (*Unlocked, error) {
	if !call.IsPR {
		return nil, &UnlockOutsidePull{Repo: call.Repo.FullName(), Number: call.Number}
	}
	out := &Unlocked{}
	if s.Holds == nil {
		for _, d := range deps {
			out.NotHeld = append(out.NotHeld, d.Name)
		}
		return out, nil
	}
	repo := call.Repo.FullName()
	var mine []PullHold
	if deps == nil {
		all, err := s.Holds.PullHolds(ctx)
		if err != nil {
			return nil, err
		}
		for _, h := range all {
			if h.HeldBy(repo, call.Number) {
				mine = append(mine, h)
			}
		}
	}
	for _, d := range deps {
		h, err := s.Holds.PullHoldOf(ctx, d.Name)
		switch {
		case err != nil:
			return nil, err
		case h == nil:
			out.NotHeld = append(out.NotHeld, d.Name)
		case !h.HeldBy(repo, call.Number):
			out.Others = append(out.Others, *h)
		default:
			mine = append(mine, *h)
		}
	}
	for _, h := range mine {
		ok, err := s.Holds.ReleasePullHold(ctx, h.Deployment, h)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Released = append(out.Released, h)
		} else {
			out.NotHeld = append(out.NotHeld, h.Deployment) // given back meanwhile
		}
	}
	zerolog.Ctx(ctx).Info().Int("released", len(out.Released)).Str("pull", fmt.Sprintf("%s#%d", repo, call.Number)).Msg("holds given back by /rigel unlock")
	return out, nil
}

// ReleasePull gives back every hold of pull request number of repo (it was merged or closed)
// and returns those it released: none when it held nothing, or its holds were given back
// already (a redelivered event changes nothing).
func (s *Service) ReleasePull(ctx context.Context, repo string, number int) ([]PullHold, error) {
	if s.Holds == nil || number <= 0 {
		return nil, nil
	}
	all, err := s.Holds.PullHolds(ctx)
	if err != nil {
		return nil, err
	}
	var out []PullHold
	for _, h := range all {
		if !h.HeldBy(repo, number) {
			continue
		}
		ok, err := s.Holds.ReleasePullHold(ctx, h.Deployment, h)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, h)
		}
	}
	if len(out) > 0 {
		zerolog.Ctx(ctx).Info().Int("released", len(out)).Str("pull", fmt.Sprintf("%s#%d", repo, number)).Msg("released the holds of a closed pull request")
	}
	return out, nil
}

// ListHolds is every pull request's hold, by deployment name.
func (s *Service) ListHolds(ctx context.Context) ([]PullHold, error) {
	if s.Holds == nil {
		return nil, nil
	}
	return s.Holds.PullHolds(ctx)
}

// BreakHold gives back the hold on deployment whoever's it is (an operator, over the HTTP
// API) and returns it; nil when no pull request held it.
func (s *Service) BreakHold(ctx context.Context, deployment string) (*PullHold, error) {
	if s.Holds == nil {
		return nil, nil
	}
	h, err := s.Holds.PullHoldOf(ctx, deployment)
	if err != nil || h == nil {
		return nil, err
	}
	ok, err := s.Holds.ReleasePullHold(ctx, deployment, PullHold{})
	if err != nil || !ok {
		return nil, err
	}
	zerolog.Ctx(ctx).Warn().Str("deployment", deployment).Str("pull", h.Pull()).Msg("an operator broke the hold of a pull request")
	return h, nil
}

// armedPreview is the preview of a sync: refused while another pull request holds dep, and in
// a pull request it holds dep for it once previewed.
func (s *Service) armedPreview(ctx context.Context, call Call, dep config.Deployment, req PreviewRequest) (*Preview, error) {
	verb := req.Verb
	if verb == "" {
		verb = "sync"
	}
	if err := s.checkHold(ctx, call, dep.Name, verb); err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, call.Origin(), dep, req.At)
	if err != nil || !Armable(p.Plan) {
		return p, err
	}
	if p.Hold, err = s.holdForPull(ctx, call, dep.Name, verb); err != nil {
		return nil, err
	}
	return p, nil
}

// Armable says whether a sync of plan arms an apply, and so holds the deployment in a pull
// request: not while the cluster refused an object, the policy refuses one, or one belongs to
// another registered deployment (Apply would refuse it).
func Armable(plan *sync.Plan) bool {
	_, _, _, failed := plan.Counts()
	return failed == 0 && len(plan.Violating()) == 0 && len(TakenFrom(plan)) == 0
}

// forgetHold gives back the hold on a deployment that was removed from the registry, whoever's
// it is: a deployment registered later under the same name starts free.
func (s *Service) forgetHold(ctx context.Context, deployment string) {
	if s.Holds == nil {
		return
	}
	if released, err := s.Holds.ReleasePullHold(ctx, deployment, PullHold{}); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("deployment", deployment).Msg("failed to give back the hold on a removed deployment")
	} else if released {
		zerolog.Ctx(ctx).Info().Str("deployment", deployment).Msg("gave back the hold on a removed deployment")
	}
}
