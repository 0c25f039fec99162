package api

import (
	"slices"

	"github.com/rigel-gitops/rigel/sync"
)

// Argo CD's sync waves and sync options in the JSON of a preview and of an apply (issue 17,
// sync/waves.go, sync/syncoptions.go): the wave of each object, the options each honours (and
// those it does not), and the wave an apply stopped at. docs/api.md describes them.

// syncOptionsJSON is what an object's Argo CD options change (sync.ArgoOptions).
type syncOptionsJSON struct {
	// Honoured are the sync options Rigel honours, as written: Prune=false, Delete=false,
	// SkipDryRunOnMissingResource=true, Replace=true, Force=true, ServerSideApply=true (a
	// no-op: Rigel always applies server-side).
	Honoured []string `json:"honoured,omitempty"`
	// Compare are the compare options honoured: IgnoreExtraneous.
	Compare []string `json:"compare,omitempty"`
	// ApplyAs is how the apply sends the object when not by a server-side apply: "replace"
	// (an update at the resourceVersion the preview read) or "delete-and-create" (Force=true).
	ApplyAs string `json:"applyAs,omitempty"`
	// NotHonoured lists what Rigel does not know or does not do (an unknown option, a wave
	// that is no integer): listed, never ignored silently.
	NotHonoured []string `json:"notHonoured,omitempty"`
}

// The values of syncOptionsJSON.ApplyAs.
const (
	applyAsReplace         = "replace"
	applyAsDeleteAndCreate = "delete-and-create"
)

func syncOptionsOut(o *sync.ArgoOptions) *syncOptionsJSON {
	if o == nil {
		return nil
	}
	out := &syncOptionsJSON{NotHonoured: o.Unknown}
	for _, opt := range []struct {
		set  bool
		name string
	}{
		{o.NoPrune, "Prune=false"}, {o.NoDelete, "Delete=false"}, {o.SkipDryRun, "SkipDryRunOnMissingResource=true"},
		{o.Replace, "Replace=true"}, {o.Force, "Force=true"}, {o.ServerSideApply, "ServerSideApply=true"},
	} {
		if opt.set {
			out.Honoured = append(out.Honoured, opt.name)
		}
	}
	if o.IgnoreExtraneous {
		out.Compare = append(out.Compare, "IgnoreExtraneous")
	}
	switch {
	case o.Replace && o.Force:
		out.ApplyAs = applyAsDeleteAndCreate
	case o.Replace:
		out.ApplyAs = applyAsReplace
	}
	return out
}

// waveIndex maps each change of p ordered by its wave to its wave: Namespaces and CRDs, applied
// before every wave, are not in it.
func waveIndex(p *sync.Plan) map[sync.Ref]int {
	out := map[sync.Ref]int{}
	for _, w := range p.Waves() {
		for _, c := range p.WaveOf(w) {
			out[c.Ref] = w
		}
	}
	return out
}

// waveOf is the wave of ref in index (nil: applied before the waves).
func waveOf(index map[sync.Ref]int, ref sync.Ref) *int {
	if w, ok := index[ref]; ok {
		return &w
	}
	return nil
}

// stoppedJSON says where an apply in waves stopped: the later waves were not applied (their
// objects are "error" with "not applied (wave N)"), and the SyncFail hooks ran.
type stoppedJSON struct {
	Wave       int    `json:"wave"`       // the wave that failed or was not healthy in time
	NotApplied []int  `json:"notApplied"` // the later waves, not applied
	Reason     string `json:"reason"`
}

func stoppedOut(p *sync.Plan, res *sync.Result) *stoppedJSON {
	if res.Stopped == "" {
		return nil
	}
	out := &stoppedJSON{Wave: res.StoppedWave, NotApplied: []int{}, Reason: res.Stopped}
	for _, w := range p.Waves() {
		if w > res.StoppedWave {
			out.NotApplied = append(out.NotApplied, w)
		}
	}
	slices.Sort(out.NotApplied)
	return out
}
