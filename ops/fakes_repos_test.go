package ops

import (
	"context"
	"errors"
)

// fakeRepoLister is GitHub's listing of the repositories Rigel sees: repos in GitHub's order,
// cut at the limit as githubclient.VisibleRepos does (unless ignoreLimit), or err.
type fakeRepoLister struct {
	repos       []VisibleRepo
	err         error
	ignoreLimit bool // answer every repo whatever the limit, as a careless lister would
	asked       []int
}

func (f *fakeRepoLister) VisibleRepos(_ context.Context, limit int) ([]VisibleRepo, bool, error) {
	f.asked = append(f.asked, limit)
	if f.err != nil {
		return nil, false, f.err
	}
	if !f.ignoreLimit && len(f.repos) > limit {
		return append([]VisibleRepo(nil), f.repos[:limit]...), true, nil
	}
	return append([]VisibleRepo(nil), f.repos...), false, nil
}

var errGitHubDown = errors.New("GET /installation/repositories: 502 Bad Gateway")
