package githubclient

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// CommitComment comments on commit sha of repo (push-triggered sync, issue 12: the report of
// a push's apply) and returns the comment's id. Creating a comment is not idempotent, and a
// commit's comments cannot be searched as cheaply as an issue's, so it is posted once: a
// failure is returned, never retried here.
func (i *Installation) CommitComment(ctx context.Context, repo Repo, sha, body string) (int64, error) {
	c, _, err := i.client.Repositories.CreateComment(ctx, repo.Owner, repo.Name, sha, &github.RepositoryComment{Body: github.String(body)})
	if err != nil {
		return 0, fmt.Errorf("failed to comment on commit %s of %s: %w", short(sha), repo.FullName(), err)
	}
	return c.GetID(), nil
}
