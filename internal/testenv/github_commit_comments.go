package testenv

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Comments on commits (issue 12: the report of a push-triggered sync), as GitHub's
// POST /repos/{owner}/{repo}/commits/{commit_sha}/comments makes them.
func init() {
	handlers["repos/create-commit-comment"] = (*GitHub).createCommitComment
}

// CommitCommentRecord is a comment made on a commit through the API.
type CommitCommentRecord struct {
	ID        int64
	Repo      string
	SHA       string
	Body      string
	User      string
	CreatedAt time.Time
}

// CommitComments returns the comments on commit sha of repo ("": of every commit), oldest
// first.
func (gh *GitHub) CommitComments(repo, sha string) []CommitCommentRecord {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var out []CommitCommentRecord
	for _, c := range gh.commitComments {
		if strings.EqualFold(c.Repo, repo) && (sha == "" || c.SHA == sha) {
			out = append(out, c)
		}
	}
	return out
}

// createCommitComment comments on a commit as GitHub does: a commit of the repository (else
// 422), a body of at most 65536 characters.
func (gh *GitHub) createCommitComment(c *call) {
	body := c.bodyString("body")
	if !gh.checkCommentBody(c, body) {
		return
	}
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	sha := c.params["commit_sha"]
	if !gh.commitExists(r, sha) {
		gh.mu.Unlock()
		gh.violation(c.r.Method+" "+strings.TrimPrefix(c.r.URL.Path, apiPrefix), "commit_sha "+sha+" is not a commit of "+r.fullName())
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + sha, "documentation_url": "https://docs.github.com/rest/commits/comments#create-a-commit-comment"})
		return
	}
	cc := CommitCommentRecord{ID: gh.id(), Repo: r.fullName(), SHA: sha, Body: body, User: c.who.Login, CreatedAt: time.Now().UTC()}
	gh.commitComments = append(gh.commitComments, cc)
	o := map[string]any{
		"id": cc.ID, "node_id": fmt.Sprintf("CC_%d", cc.ID), "body": cc.Body, "commit_id": sha,
		"path": nil, "position": nil, "line": nil,
		"url":                fmt.Sprintf("%srepos/%s/comments/%d", gh.URL(), cc.Repo, cc.ID),
		"html_url":           fmt.Sprintf("%s/%s/commit/%s#commitcomment-%d", gh.WebURL(), cc.Repo, sha, cc.ID),
		"user":               gh.userObj(cc.User, c.who.Type),
		"created_at":         ts(cc.CreatedAt),
		"updated_at":         ts(cc.CreatedAt),
		"author_association": "NONE",
	}
	gh.mu.Unlock()
	c.w.Header().Set("Location", o["url"].(string))
	gh.respond(c, http.StatusCreated, o)
}
