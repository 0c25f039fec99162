package commands

import "context"

// The pull request automation methods of the runner tests' recorder (ops.PullForge): nothing
// is listed and what is written is dropped.

func (r *recorder) PullFiles(context.Context, Repo, int, string, string) (ChangedFiles, error) {
	return ChangedFiles{}, nil
}
func (r *recorder) EditComment(_ context.Context, _ Repo, id int64, body string) (IssueComment, error) {
	return IssueComment{ID: id, Body: body}, nil
}
func (r *recorder) MinimizeComment(context.Context, Repo, string) error { return nil }
func (r *recorder) CreateCheckRun(context.Context, Repo, CheckRun) (CheckRunRef, error) {
	return CheckRunRef{ID: 1}, nil
}
func (r *recorder) UpdateCheckRun(context.Context, Repo, int64, CheckRun) error { return nil }
func (r *recorder) SetStatus(context.Context, Repo, string, CommitStatus) error { return nil }
