package ops

import (
	"context"
	"strings"
)

// fakeMerges is what the fake forge knows of merges and check runs (apply on merge).
type fakeMerges struct {
	pulls map[string]*MergedPull // by merge commit
	asked int                    // MergedPull calls
}

func (f *fakeForge) MergedPull(_ context.Context, _ Repo, branch, sha string) (*MergedPull, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge.asked++
	if p := f.merge.pulls[strings.ToLower(sha)]; p != nil && branch != "" {
		cp := *p
		return &cp, nil
	}
	return nil, nil
}
