package ops

import (
	"context"
	"sort"
	gosync "sync"
	"time"
)

// fakeHolds keeps pull requests' holds in memory, as replica.Leases does in the cluster:
// created if absent, released only while still the PR's (with of zero: whoever's).
type fakeHolds struct {
	mu    gosync.Mutex
	holds map[string]PullHold
	takes int // TakePullHold calls
}

func (f *fakeHolds) TakePullHold(_ context.Context, h PullHold) (PullHold, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.takes++
	if f.holds == nil {
		f.holds = map[string]PullHold{}
	}
	if cur, ok := f.holds[h.Deployment]; ok {
		return cur, nil
	}
	h.Since = h.Since.UTC().Truncate(time.Microsecond)
	f.holds[h.Deployment] = h
	return h, nil
}

func (f *fakeHolds) PullHoldOf(_ context.Context, deployment string) (*PullHold, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.holds[deployment]; ok {
		return &h, nil
	}
	return nil, nil
}

func (f *fakeHolds) PullHolds(context.Context) ([]PullHold, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []PullHold
	for _, h := range f.holds {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Deployment < out[j].Deployment })
	return out, nil
}

func (f *fakeHolds) ReleasePullHold(_ context.Context, deployment string, of PullHold) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.holds[deployment]
	if !ok || (of.Repo != "" && !cur.HeldBy(of.Repo, of.Number)) {
		return false, nil
	}
	delete(f.holds, deployment)
	return true, nil
}

// holder is the PR holding deployment ("" none), as "repo#N by author".
func (f *fakeHolds) holder(deployment string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.holds[deployment]; ok {
		return h.Pull() + " by " + h.Author
	}
	return ""
}
