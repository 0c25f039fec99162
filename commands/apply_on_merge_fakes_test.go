package commands

import (
	"context"

	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
)

// mergeRecord is what the recorder holds for apply on merge: the merged pull requests it
// answers (by merge commit) and the check runs and statuses set.
type mergeRecord struct {
	pulls    map[string]*ops.MergedPull
	runs     []githubclient.CheckRun
	statuses []githubclient.CommitStatus
}

func (r *recorder) MergedPull(_ context.Context, _ Repo, _, sha string) (*ops.MergedPull, error) {
	return r.merge.pulls[sha], nil
}

func (r *recorder) CreateCheckRun(_ context.Context, _ Repo, run githubclient.CheckRun) (githubclient.CheckRunRef, error) {
	r.merge.runs = append(r.merge.runs, run)
	return githubclient.CheckRunRef{ID: int64(len(r.merge.runs))}, nil
}

func (r *recorder) SetStatus(_ context.Context, _ Repo, _ string, s githubclient.CommitStatus) error {
	r.merge.statuses = append(r.merge.statuses, s)
	return nil
}
