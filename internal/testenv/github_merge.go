package testenv

import (
	"fmt"
	"strings"
)

// MergePull merges pull request number as GitHub's merge button does: a real merge commit of
// its head into its base branch on the git server ("Merge pull request #N from
// owner/branch"), the base branch moved to it, and the pull request closed as merged. It
// returns the merge commit, for the push and pull_request closed events (PushEvent,
// PullRequestEvent with Merged and MergeSHA). A conflict is an error and changes nothing.
func (gh *GitHub) MergePull(repo string, number int) (string, error) {
	gh.mu.Lock()
	r := gh.repo(repo)
	is := r.issues[number]
	if is == nil || is.Pull == nil || gh.gs == nil {
		gh.mu.Unlock()
		return "", fmt.Errorf("testenv: cannot merge %s#%d: no such pull request, or no git server", repo, number)
	}
	p := *is.Pull
	if is.State != "open" {
		gh.mu.Unlock()
		return "", fmt.Errorf("testenv: cannot merge %s#%d: it is %s", repo, number, is.State)
	}
	headOwner := r.Owner
	if p.HeadRepo != "" {
		headOwner, _, _ = strings.Cut(p.HeadRepo, "/")
	}
	gh.mu.Unlock()
	dir := gh.gs.RepoDir(r.fullName())
	base, err := gh.gs.Head(r.fullName(), "refs/heads/"+p.BaseRef)
	if err != nil {
		return "", err
	}
	tree, err := gh.gs.git(dir, nil, "merge-tree", "--write-tree", base, p.HeadSHA)
	if err != nil {
		return "", fmt.Errorf("testenv: cannot merge %s#%d: %w", repo, number, err)
	}
	tree, _, _ = strings.Cut(tree, "\n")
	msg := fmt.Sprintf("Merge pull request #%d from %s/%s", number, headOwner, p.HeadRef)
	merge, err := gh.gs.git(dir, nil, "commit-tree", tree, "-p", base, "-p", p.HeadSHA, "-m", msg)
	if err != nil {
		return "", err
	}
	if _, err := gh.gs.git(dir, nil, "update-ref", "refs/heads/"+p.BaseRef, merge, base); err != nil {
		return "", fmt.Errorf("testenv: cannot merge %s#%d: %s moved meanwhile: %w", repo, number, p.BaseRef, err)
	}
	gh.setMerged(repo, number, merge) // github_merged_pulls.go
	return merge, nil
}
