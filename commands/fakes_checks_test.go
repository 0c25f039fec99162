package commands

import (
	"context"

	"github.com/rigel-gitops/rigel/githubclient"
)

// The recorder's check runs and statuses (no-ops). Pull request automation (issue 11, autoplan)
// declares the same two methods: at the merge of both, keep one copy.

func (r *recorder) CreateCheckRun(context.Context, Repo, githubclient.CheckRun) (githubclient.CheckRunRef, error) {
	return githubclient.CheckRunRef{}, nil
}

func (r *recorder) SetStatus(context.Context, Repo, string, githubclient.CommitStatus) error {
	return nil
}
