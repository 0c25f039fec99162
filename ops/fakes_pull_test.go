package ops

import (
	"context"
	"fmt"
)

// The pull request automation methods of fakeForge (PullForge): nothing is listed and what is
// written is dropped. Tests that need them wrap fakeForge (filesForge).

func (f *fakeForge) PullFiles(_ context.Context, repo Repo, number int, _, _ string) (ChangedFiles, error) {
	return ChangedFiles{}, fmt.Errorf("fake: no files for PR #%d in %s", number, repo.FullName())
}
func (f *fakeForge) EditComment(_ context.Context, _ Repo, id int64, body string) (IssueComment, error) {
	return IssueComment{ID: id, Body: body}, nil
}
func (f *fakeForge) MinimizeComment(context.Context, Repo, string) error { return nil }
func (f *fakeForge) CreateCheckRun(context.Context, Repo, CheckRun) (CheckRunRef, error) {
	return CheckRunRef{ID: 1}, nil
}
func (f *fakeForge) UpdateCheckRun(context.Context, Repo, int64, CheckRun) error { return nil }
func (f *fakeForge) SetStatus(context.Context, Repo, string, CommitStatus) error { return nil }

// filesForge is a fakeForge that lists the changed files of pull requests.
type filesForge struct {
	*fakeForge
	files map[int]ChangedFiles // by PR number
	asked int
}

func (f *filesForge) PullFiles(_ context.Context, repo Repo, number int, _, _ string) (ChangedFiles, error) {
	f.asked++
	cf, ok := f.files[number]
	if !ok {
		return ChangedFiles{}, fmt.Errorf("fake: no files for PR #%d in %s", number, repo.FullName())
	}
	return cf, nil
}
