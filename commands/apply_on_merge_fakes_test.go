package commands

import (
	"context"

	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
)

// The recorder as apply on merge's Forge: no pull request was merged.
func (r *recorder) MergedPull(context.Context, Repo, string, string) (*ops.MergedPull, error) {
	return nil, nil
}

// checkRecorder records the check runs and commit statuses set (apply_checks.go).
type checkRecorder struct {
	recorder
	runs     []githubclient.CheckRun
	statuses []githubclient.CommitStatus
}

func (r *checkRecorder) CreateCheckRun(_ context.Context, _ Repo, run githubclient.CheckRun) (githubclient.CheckRunRef, error) {
	r.runs = append(r.runs, run)
	return githubclient.CheckRunRef{ID: int64(len(r.runs))}, nil
}

func (r *checkRecorder) SetStatus(_ context.Context, _ Repo, _ string, s githubclient.CommitStatus) error {
	r.statuses = append(r.statuses, s)
	return nil
}
