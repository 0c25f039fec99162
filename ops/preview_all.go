package ops

import (
	"context"
	gosync "sync"

	"github.com/rigel-gitops/rigel/config"
)

// PreviewWorkers is the most deployments PreviewEach previews at once (issue 14). Their
// requests to the apiserver share the replica's one bound, RIGEL_DIFF_CONCURRENCY
// (sync.Limiter): enough previews keep that many requests in flight while others fetch,
// render or wait for an answer, and no more than a few render at once on a small pod (charts
// render in at most 4 children whatever this is). Measured with `go run ./cmd/bench manydeps`
// (200 deployments × 10 objects, bound 32): 8 previews at once left the apiserver idle while
// they rendered and built their replies, 2.98–3.15 s (2.03–2.11× the floor of 2,000 bare
// dry-runs); 16 keep it busy, 2.29–2.43 s (1.69×).
const PreviewWorkers = 16

// PreviewEach previews deployments of one repository (`/rigel diff --all`, `/rigel sync
// a b c`) as Preview does each, several at once (PreviewWorkers), at one commit: the target
// is fetched once and every deployment is previewed at the commit it resolved to, so that a
// push landing during the previews does not mix two commits in one reply, and the repository
// is not fetched once per deployment. previews[i] and errs[i] are those of deps[i]; one
// deployment's refusal or failure does not stop the others. scope, when set, gives the context
// a deployment's preview runs under (the adapter's log fields).
//
// A pull request from a fork is refused (ForkPreview) before anything is fetched, for every
// deployment; a fetch that fails fails every deployment with the same error. One deployment is
// previewed as Preview does, its fetch included (its log lines name it).
func (s *Service) PreviewEach(ctx context.Context, call Call, deps []config.Deployment, req PreviewRequest, scope func(context.Context, config.Deployment) context.Context) (previews []*Preview, errs []error) {
	previews, errs = make([]*Preview, len(deps)), make([]error, len(deps))
	fail := func(err error) ([]*Preview, []error) {
		for i := range errs {
			errs[i] = err
		}
		return previews, errs
	}
	if len(deps) == 0 {
		return previews, errs
	}
	if err := s.checkForkPreview(ctx, call, req.Verb); err != nil {
		return fail(err)
	}
	if req.At.Commit == "" && len(deps) > 1 { // one deployment fetches in its preview, under its scope
		snap, err := s.Fetch(ctx, call.Origin(), req.At)
		if err != nil {
			return fail(err)
		}
		req.At = req.At.At(snap.Commit)
	}
	next := make(chan int)
	var wg gosync.WaitGroup
	for range min(PreviewWorkers, len(deps)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				dctx := ctx
				if scope != nil {
					dctx = scope(ctx, deps[i])
				}
				previews[i], errs[i] = s.previewAdmitted(dctx, call, deps[i], req)
			}
		}()
	}
	for i := range deps {
		next <- i
	}
	close(next)
	wg.Wait()
	return previews, errs
}
