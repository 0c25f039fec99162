package testenv

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Issues Rigel opens, edits and closes itself (issue 12: a deployment's drift tracking issue).

func init() {
	handlers["issues/create"] = (*GitHub).createIssue
	handlers["issues/list-for-repo"] = (*GitHub).listRepoIssues
	handlers["issues/update"] = (*GitHub).updateIssue
}

// Issue is an issue (not a pull request) as the fake GitHub holds it.
type Issue struct {
	Number             int
	Title, Body, State string
	User               string
	Edits              int // updates after its creation
}

// Issues lists repo's issues (not pull requests) that user opened, by number.
func (gh *GitHub) Issues(repo, user string) []Issue {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	r := gh.repos[strings.ToLower(repo)]
	if r == nil {
		return nil
	}
	var out []Issue
	for _, is := range r.issues {
		if is.Pull == nil && is.User == user {
			out = append(out, Issue{Number: is.Number, Title: is.Title, Body: is.Body, State: is.State, User: is.User, Edits: gh.issueEdits[is.ID]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

func (gh *GitHub) createIssue(c *call) {
	title, body := c.bodyString("title"), c.bodyString("body")
	if title == "" || len(body) > 65536 {
		gh.errorJSON(c.w, http.StatusUnprocessableEntity, "Validation Failed: title is required, and body is too long (maximum is 65536 characters)")
		return
	}
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	n := 1
	for k := range r.issues {
		n = max(n, k+1)
	}
	is := &ghIssue{Number: n, ID: gh.id(), Title: title, Body: body, User: c.who.Login, State: "open", CreatedAt: time.Now().UTC()}
	r.issues[n] = is
	c.w.Header().Set("Location", fmt.Sprintf("%srepos/%s/issues/%d", gh.URL(), r.fullName(), n))
	o := gh.issueObj(r, is, 0)
	gh.mu.Unlock()
	gh.respond(c, http.StatusCreated, o)
}

func (gh *GitHub) listRepoIssues(c *call) {
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	state, creator := c.r.URL.Query().Get("state"), c.r.URL.Query().Get("creator")
	if state == "" {
		state = "open"
	}
	var all []*ghIssue
	for _, is := range r.issues {
		if (state == "all" || is.State == state) && (creator == "" || strings.EqualFold(creator, is.User)) {
			all = append(all, is)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Number > all[j].Number }) // newest first
	lo, hi := gh.paginate(c, len(all))
	list := []any{}
	for _, is := range all[lo:hi] {
		list = append(list, gh.issueObj(r, is, len(gh.sortedComments(r.fullName(), is.Number))))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}

func (gh *GitHub) updateIssue(c *call) {
	r, is := gh.lookupIssue(c)
	if is == nil {
		return
	}
	m, _ := c.body.(map[string]any)
	if v, ok := m["body"].(string); ok {
		is.Body = v
	}
	if v, ok := m["title"].(string); ok && v != "" {
		is.Title = v
	}
	if v, ok := m["state"].(string); ok {
		is.State = v
	}
	if gh.issueEdits == nil {
		gh.issueEdits = map[int64]int{}
	}
	gh.issueEdits[is.ID]++
	o := gh.issueObj(r, is, len(gh.sortedComments(r.fullName(), is.Number)))
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// lookupIssue finds the path's issue in the path's repository, and returns with gh.mu held;
// it answers 404 itself (and returns nil) when there is none.
func (gh *GitHub) lookupIssue(c *call) (*ghRepo, *ghIssue) {
	r := gh.lookupRepo(c)
	if r == nil {
		return nil, nil
	}
	is := r.issues[int(c.intParam("issue_number"))]
	if is == nil {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return nil, nil
	}
	return r, is
}
