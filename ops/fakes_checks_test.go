package ops

import (
	"context"

	"github.com/rigel-gitops/rigel/githubclient"
)

// The fake forge's check runs and statuses (no-ops). Pull request automation (issue 11,
// autoplan) declares the same two methods: at the merge of both, keep one copy.

func (f *fakeForge) CreateCheckRun(context.Context, Repo, githubclient.CheckRun) (githubclient.CheckRunRef, error) {
	return githubclient.CheckRunRef{}, nil
}

func (f *fakeForge) SetStatus(context.Context, Repo, string, githubclient.CommitStatus) error {
	return nil
}
