package ops

import (
	"context"
	"strings"

	"github.com/rigel-gitops/rigel/githubclient"
)

// fakeMerges is what the fake forge knows of merges and check runs (apply on merge).
type fakeMerges struct {
	pulls    map[string]*MergedPull // by merge commit
	asked    int                    // MergedPull calls
	runs     []githubclient.CheckRun
	statuses []githubclient.CommitStatus
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

func (f *fakeForge) CreateCheckRun(_ context.Context, _ Repo, run githubclient.CheckRun) (githubclient.CheckRunRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge.runs = append(f.merge.runs, run)
	return githubclient.CheckRunRef{ID: int64(len(f.merge.runs))}, nil
}

func (f *fakeForge) SetStatus(_ context.Context, _ Repo, _ string, s githubclient.CommitStatus) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge.statuses = append(f.merge.statuses, s)
	return nil
}
