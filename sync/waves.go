package sync

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

// Sync waves: Argo CD's argocd.argoproj.io/sync-wave on an ordinary object (not a hook) orders
// the apply. DiffWith orders the plan by wave (after the Namespaces and CRDs, which always go
// first: the objects of every wave need them, and the pre hooks run after them), so the
// digest, which hashes the plan in order, covers the order. Apply applies one wave at a time,
// lowest first: the wave's objects, then the Sync hooks of that wave (a Sync hook's wave is its
// weight), then, when the apply waits, the wave's health; a wave that fails or is not healthy
// in time stops the apply: the later waves are not applied (Result.Stopped says why) and the
// SyncFail hooks run.

// waveOf is an object's sync wave (0 without the annotation) and, when the annotation is no
// integer, what is wrong with it (the object is then in wave 0, and the preview says so).
func waveOf(ann map[string]string) (int, string) {
	v, ok := ann[AnnotationArgoSyncWave]
	if !ok {
		return 0, ""
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Sprintf("%s=%q is not an integer: wave 0", AnnotationArgoSyncWave, v)
	}
	return n, ""
}

// inWaves reports whether a change is ordered by its wave: every object but the Namespaces and
// CRDs, which go first.
func inWaves(r Ref) bool { return stage(r) >= 2 }

// Waves lists the distinct waves of a plan's objects (Namespaces and CRDs aside) and of its
// Sync hooks, lowest first. A plan of one wave (or none) is applied at once, as without waves.
func (p *Plan) Waves() []int {
	seen := map[int]bool{}
	for _, c := range p.Changes {
		if inWaves(c.Ref) {
			seen[c.Wave] = true
		}
	}
	for _, h := range p.Hooks {
		if h.Stage == HookSync {
			seen[h.Hook.Weight] = true
		}
	}
	out := make([]int, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Ints(out)
	return out
}

// WaveOf lists the changes of a plan in wave w (Namespaces and CRDs aside), in plan order.
func (p *Plan) WaveOf(w int) []Change {
	var out []Change
	for _, c := range p.Changes {
		if inWaves(c.Ref) && c.Wave == w {
			out = append(out, c)
		}
	}
	return out
}

// syncHooksOf lists the plan's Sync hooks of wave w, in the order they run.
func syncHooksOf(plan *Plan, w int) []HookChange {
	var out []HookChange
	for _, h := range plan.HooksIn(HookSync) {
		if h.Hook.Weight == w {
			out = append(out, h)
		}
	}
	return out
}

// applyInWaves applies the changes at rest (Namespaces and CRDs are applied already) one wave
// at a time, each followed by its Sync hooks and, when opts.Wait > 0, its health. It stops at
// the first wave with an object that failed, a Sync hook that did not succeed, or an object not
// healthy in time: the later waves' objects are recorded as not applied and their Sync hooks as
// skipped, and res.Stopped says why. It reports whether the apply is unhealthy.
func (e *Engine) applyInWaves(ctx context.Context, plan *Plan, waves []int, rest []int, res *Result, states []applyState, opts ApplyOptions) bool {
	byWave := map[int][]int{}
	for _, i := range rest {
		w := plan.Changes[i].Wave
		byWave[w] = append(byWave[w], i)
	}
	for k, w := range waves {
		idx := byWave[w]
		e.applyAll(ctx, plan, idx, res, states, opts.Wait > 0)
		hooksOK := e.runHookList(ctx, syncHooksOf(plan, w), HookSync, res, opts)
		unhealthy := false
		if opts.Wait > 0 && ctx.Err() == nil && len(idx) > 0 {
			unhealthy = e.waitHealthy(ctx, res, states, idx, opts.Wait)
		}
		var why string
		switch {
		case ctx.Err() != nil:
			why = "the apply ended"
		case failedAny(res, idx):
			why = fmt.Sprintf("an object of wave %d failed", w)
		case !hooksOK:
			why = fmt.Sprintf("a Sync hook of wave %d did not succeed", w)
		case unhealthy:
			why = fmt.Sprintf("wave %d did not become healthy within %s", w, opts.Wait)
		}
		zerolog.Ctx(ctx).Debug().Int("wave", w).Int("objects", len(idx)).Str("stopped", why).Msg("wave applied")
		if why == "" {
			continue
		}
		if k < len(waves)-1 {
			res.Stopped = fmt.Sprintf("stopped at wave %d: %s; waves %s not applied", w, why, waveList(waves[k+1:]))
			res.StoppedWave = w
			for _, later := range waves[k+1:] {
				for _, i := range byWave[later] {
					res.Objects[i].Action = ActionError
					res.Objects[i].Message = fmt.Sprintf("not applied (wave %d): %s", later, why)
				}
				skipList(syncHooksOf(plan, later), HookSync, res, fmt.Sprintf("not run (wave %d): %s", later, why))
			}
		}
		return unhealthy
	}
	return false
}

func failedAny(res *Result, idx []int) bool {
	for _, i := range idx {
		if res.Objects[i].Action == ActionError {
			return true
		}
	}
	return false
}

// waveList is "2, 3 and 5".
func waveList(ws []int) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = strconv.Itoa(w)
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// lessItem orders a plan: Namespaces, CRDs, then the rest by sync wave, then as lessRef.
func lessItem(a, b *item) bool {
	if sa, sb := stage(a.ref), stage(b.ref); sa == sb && sa >= 2 && a.wave != b.wave {
		return a.wave < b.wave
	}
	return lessRef(a.ref, b.ref)
}
