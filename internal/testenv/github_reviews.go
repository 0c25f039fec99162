package testenv

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// AddReview records a review of pull request number by user, in state "APPROVED",
// "CHANGES_REQUESTED", "COMMENTED" or "DISMISSED", on the pull request's current head.
func (gh *GitHub) AddReview(repo string, number int, user, state string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	p := gh.pull(repo, number)
	p.Reviews = append(p.Reviews, ghReview{ID: gh.id(), User: user, State: strings.ToUpper(state), CommitID: p.HeadSHA, SubmittedAt: time.Now().UTC()})
}

// AddReviewOn records a review as AddReview does, on commit (an older head, say); "" serves a
// null commit_id, as GitHub does when the commit was force-pushed away and collected.
func (gh *GitHub) AddReviewOn(repo string, number int, user, state, commit string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	p := gh.pull(repo, number)
	p.Reviews = append(p.Reviews, ghReview{ID: gh.id(), User: user, State: strings.ToUpper(state), CommitID: commit, SubmittedAt: time.Now().UTC()})
}

// SetPullDraft makes pull request number a draft (draft true; its mergeable_state becomes
// "draft" as on GitHub, unless a test set another) or ready for review.
func (gh *GitHub) SetPullDraft(repo string, number int, draft bool) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	p := gh.pull(repo, number)
	p.Draft = draft
	switch {
	case draft && (p.MergeableState == "" || p.MergeableState == "clean"):
		p.MergeableState = "draft"
	case !draft && p.MergeableState == "draft":
		p.MergeableState = ""
	}
}

// SetPullMergeable sets what GET pulls/{n} says about merging: mergeable (nil: GitHub has not
// computed it yet, null in the answer) and mergeable_state ("clean", "dirty" for conflicts,
// "blocked", "behind", "unstable", "unknown"; "" means "clean").
func (gh *GitHub) SetPullMergeable(repo string, number int, mergeable *bool, state string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	p := gh.pull(repo, number)
	p.Mergeable, p.MergeableState, p.MergeableUnknown = mergeable, state, mergeable == nil
}

// SetPullFork makes pull request number come from fork ("someone/web"): its head repository
// differs from the base repository.
func (gh *GitHub) SetPullFork(repo string, number int, fork string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.pull(repo, number).HeadRepo = fork
}

// pull finds a pull request; call with gh.mu held.
func (gh *GitHub) pull(repo string, number int) *ghPull {
	is := gh.repo(repo).issues[number]
	if is == nil || is.Pull == nil {
		panic(fmt.Sprintf("testenv: pull request %s#%d was not added with AddPull", repo, number))
	}
	return is.Pull
}

func (gh *GitHub) listReviews(c *call) {
	r, is := gh.lookupPull(c)
	if r == nil {
		return
	}
	api := fmt.Sprintf("%srepos/%s/pulls/%d", gh.URL(), r.fullName(), is.Number)
	html := fmt.Sprintf("%s/%s/pull/%d", gh.WebURL(), r.fullName(), is.Number)
	lo, hi := gh.paginate(c, len(is.Pull.Reviews))
	out := []any{}
	for _, rv := range is.Pull.Reviews[lo:hi] {
		var commit any = rv.CommitID
		if rv.CommitID == "" {
			commit = nil // the commit is gone
		}
		out = append(out, map[string]any{
			"id": rv.ID, "node_id": fmt.Sprintf("PRR_%d", rv.ID), "user": gh.userObj(rv.User, "User"),
			"body": "", "state": rv.State, "commit_id": commit, "submitted_at": ts(rv.SubmittedAt),
			"html_url": fmt.Sprintf("%s#pullrequestreview-%d", html, rv.ID), "pull_request_url": api,
			"author_association": "MEMBER",
			"_links":             map[string]any{"html": map[string]any{"href": fmt.Sprintf("%s#pullrequestreview-%d", html, rv.ID)}, "pull_request": map[string]any{"href": api}},
		})
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, out)
}
