package testenv

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

func init() {
	handlers["repos/create-commit-status"] = (*GitHub).createStatus
	handlers["repos/get-combined-status-for-ref"] = (*GitHub).combinedStatus
}

// maxStatusDescription is GitHub's limit on a commit status's description.
const maxStatusDescription = 140

// StatusRecord is a commit status set through the API.
type StatusRecord struct {
	ID          int64
	Repo        string
	SHA         string
	Context     string
	State       string
	Description string
	TargetURL   string
	Creator     string
	CreatedAt   time.Time
}

// Statuses returns every status set on commit sha of repo, oldest first (GitHub shows the
// latest of each context).
func (gh *GitHub) Statuses(repo, sha string) []StatusRecord {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var out []StatusRecord
	for _, s := range gh.statuses {
		if strings.EqualFold(s.Repo, repo) && s.SHA == sha {
			out = append(out, s)
		}
	}
	return out
}

// LatestStatus returns the latest status of context on commit sha of repo, and whether there
// is one.
func (gh *GitHub) LatestStatus(repo, sha, context string) (StatusRecord, bool) {
	all := gh.Statuses(repo, sha)
	for i := len(all) - 1; i >= 0; i-- {
		if strings.EqualFold(all[i].Context, context) {
			return all[i], true
		}
	}
	return StatusRecord{}, false
}

// createStatus sets a commit status as GitHub does: on a commit of the repository, with a
// description of at most 140 characters; the context is "default" when not given.
func (gh *GitHub) createStatus(c *call) {
	m, _ := c.body.(map[string]any)
	desc, _ := m["description"].(string)
	target, _ := m["target_url"].(string)
	context := c.bodyString("context")
	if context == "" {
		context = "default"
	}
	where := c.r.Method + " " + strings.TrimPrefix(c.r.URL.Path, apiPrefix)
	if n := utf8.RuneCountInString(desc); n > maxStatusDescription {
		gh.violation(where, fmt.Sprintf("status description has %d characters, GitHub allows %d", n, maxStatusDescription))
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest/commits/statuses#create-a-commit-status",
			"errors": []any{map[string]any{"resource": "Status", "code": "custom", "field": "description",
				"message": fmt.Sprintf("description is too long (maximum is %d characters)", maxStatusDescription)}},
		})
		return
	}
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	sha := c.params["sha"]
	if !gh.commitExists(r, sha) {
		gh.mu.Unlock()
		gh.violation(where, "sha "+sha+" is not a commit of "+r.fullName())
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + sha, "documentation_url": "https://docs.github.com/rest/commits/statuses#create-a-commit-status"})
		return
	}
	st := StatusRecord{ID: gh.id(), Repo: r.fullName(), SHA: sha, Context: context, State: c.bodyString("state"),
		Description: desc, TargetURL: target, Creator: c.who.Login, CreatedAt: time.Now().UTC()}
	gh.statuses = append(gh.statuses, st)
	o := gh.statusObj(r, st, c.who.Type)
	gh.mu.Unlock()
	c.w.Header().Set("Location", o["url"].(string))
	gh.respond(c, http.StatusCreated, o)
}

// combinedStatus answers the latest status of each context on a commit (a SHA or a branch)
// and their combined state: failure if any is error or failure, pending if none or any is
// pending, success otherwise.
func (gh *GitHub) combinedStatus(c *call) {
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	sha := c.params["ref"]
	if !hexSHA.MatchString(sha) && gh.gs != nil {
		if s, err := gh.gs.Head(r.fullName(), sha); err == nil {
			sha = s
		}
	}
	var latest []StatusRecord
	seen := map[string]bool{}
	for i := len(gh.statuses) - 1; i >= 0; i-- {
		s := gh.statuses[i]
		if strings.EqualFold(s.Repo, r.fullName()) && s.SHA == sha && !seen[strings.ToLower(s.Context)] {
			seen[strings.ToLower(s.Context)] = true
			latest = append(latest, s)
		}
	}
	state := "success"
	if len(latest) == 0 {
		state = "pending"
	}
	for _, s := range latest {
		switch s.State {
		case "error", "failure":
			state = "failure"
		case "pending":
			if state != "failure" {
				state = "pending"
			}
		}
	}
	lo, hi := gh.paginate(c, len(latest))
	list := []any{}
	for _, s := range latest[lo:hi] {
		o := gh.statusObj(r, s, "")
		delete(o, "creator") // the combined view's statuses carry no creator
		list = append(list, o)
	}
	o := map[string]any{
		"state": state, "sha": sha, "total_count": len(latest), "statuses": list, "repository": gh.repoObj(r),
		"commit_url": fmt.Sprintf("%srepos/%s/commits/%s", gh.URL(), r.fullName(), sha),
		"url":        fmt.Sprintf("%srepos/%s/commits/%s/status", gh.URL(), r.fullName(), sha),
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// statusObj is a status as the API shows it; call with gh.mu held.
func (gh *GitHub) statusObj(r *ghRepo, s StatusRecord, creatorType string) map[string]any {
	nullable := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	if creatorType == "" {
		creatorType = "User"
		if strings.HasSuffix(s.Creator, "[bot]") {
			creatorType = "Bot"
		}
	}
	return map[string]any{
		"id": s.ID, "node_id": fmt.Sprintf("SC_%d", s.ID), "state": s.State, "context": s.Context,
		"description": nullable(s.Description), "target_url": nullable(s.TargetURL),
		"url":        fmt.Sprintf("%srepos/%s/statuses/%s", gh.URL(), r.fullName(), s.SHA),
		"avatar_url": gh.WebURL() + "/avatars/" + s.Creator, "created_at": ts(s.CreatedAt), "updated_at": ts(s.CreatedAt),
		"creator": gh.userObj(s.Creator, creatorType),
	}
}
