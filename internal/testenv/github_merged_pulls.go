package testenv

import (
	"sort"
	"time"
)

// Merged pull requests, as apply on merge (issue 11) finds them: MergePull records the merge
// commit and when it merged; a pull request answers them as merge_commit_sha, merged_at,
// closed_at and updated_at; the list sorts by the last update (sort=updated) as GitHub does.

// setMerged closes pull request number as merged by merge, now.
func (gh *GitHub) setMerged(repo string, number int, merge string) {
	gh.SetPullState(repo, number, "closed", true)
	gh.mu.Lock()
	defer gh.mu.Unlock()
	if is := gh.repo(repo).issues[number]; is != nil && is.Pull != nil {
		is.Pull.MergeSHA, is.Pull.MergedAt = merge, time.Now().UTC()
	}
}

// MergeSHA is the merge commit of pull request number ("" unless MergePull merged it).
func (gh *GitHub) MergeSHA(repo string, number int) string {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	if is := gh.repo(repo).issues[number]; is != nil && is.Pull != nil {
		return is.Pull.MergeSHA
	}
	return ""
}

// mergedObj adds what a merge says to a pull request's object: the merge commit and the time.
func mergedObj(o map[string]any, p *ghPull) {
	if p.MergeSHA == "" {
		return
	}
	at := ts(p.MergedAt)
	o["merge_commit_sha"], o["merged_at"], o["closed_at"], o["updated_at"] = p.MergeSHA, at, at, at
}

// updatedAt is when a pull request last changed, as far as the fake knows: its merge, else its
// creation.
func updatedAt(is *ghIssue) time.Time {
	if is.Pull != nil && !is.Pull.MergedAt.IsZero() {
		return is.Pull.MergedAt
	}
	return is.CreatedAt
}

// sortByUpdated sorts pull requests by their last update, newest first when desc (GitHub's
// default for sort=updated), the number breaking ties.
func sortByUpdated(all []*ghIssue, desc bool) {
	sort.SliceStable(all, func(i, j int) bool {
		a, b := updatedAt(all[i]), updatedAt(all[j])
		if a.Equal(b) {
			return (all[i].Number > all[j].Number) == desc
		}
		return a.After(b) == desc
	})
}
