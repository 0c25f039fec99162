package testenv

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

func init() {
	handlers["pulls/create"] = (*GitHub).createPull
	handlers["pulls/list"] = (*GitHub).listPulls
}

// firstCreatedPull is the lowest number of a pull request opened through the API: tests pick
// small numbers for the issues they add, and the two must never collide.
const firstCreatedPull = 901

// PullRequest is a pull request held by the fake GitHub: opened through the API, or added
// with AddPull.
type PullRequest struct {
	Number      int
	Title, Body string
	Head, Base  string // branch names
	HeadSHA     string
	User        string // who opened it
	State       string // "open" or "closed"
	Merged      bool
	Draft       bool
}

// Pulls returns the pull requests of repo, by number.
func (gh *GitHub) Pulls(repo string) []PullRequest {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var out []PullRequest
	for _, is := range gh.repo(repo).issues {
		if p := is.Pull; p != nil {
			out = append(out, PullRequest{Number: is.Number, Title: is.Title, Body: is.Body, Head: p.HeadRef, Base: p.BaseRef,
				HeadSHA: p.HeadSHA, User: is.User, State: is.State, Merged: p.Merged, Draft: p.Draft})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// validationFailed answers 422 like GitHub does for pull requests it refuses.
func (gh *GitHub) validationFailed(c *call, errs ...map[string]any) {
	list := make([]any, len(errs))
	for i, e := range errs {
		if e["resource"] == nil {
			e["resource"] = "PullRequest"
		}
		list[i] = e
	}
	gh.respond(c, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
		"errors": list,
	})
}

// createPull opens a pull request as GitHub does: the head is a branch of the repository
// ("branch" or "owner:branch"; forks are not served), both branches must exist, the head must
// have commits the base does not, and only one open pull request per head and base.
// It points refs/pull/<number>/head at the head on the git server.
func (gh *GitHub) createPull(c *call) {
	m, _ := c.body.(map[string]any)
	title, body, head, base := c.bodyString("title"), c.bodyString("body"), c.bodyString("head"), c.bodyString("base")
	draft, _ := m["draft"].(bool)
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	owner, ref, hasOwner := strings.Cut(head, ":")
	if !hasOwner {
		owner, ref = r.Owner, head
	}
	problem := func(e map[string]any) {
		gh.mu.Unlock()
		gh.validationFailed(c, e)
	}
	if title == "" {
		problem(map[string]any{"field": "title", "code": "missing_field"})
		return
	}
	if !strings.EqualFold(owner, r.Owner) || gh.gs == nil {
		problem(map[string]any{"field": "head", "code": "invalid"})
		return
	}
	baseSHA, err := gh.gs.Head(r.fullName(), "refs/heads/"+base)
	if err != nil {
		problem(map[string]any{"field": "base", "code": "invalid"})
		return
	}
	headSHA, err := gh.gs.Head(r.fullName(), "refs/heads/"+ref)
	if err != nil {
		problem(map[string]any{"field": "head", "code": "invalid"})
		return
	}
	if headSHA == baseSHA || gh.gs.isAncestor(r.fullName(), headSHA, baseSHA) {
		problem(map[string]any{"code": "custom", "message": fmt.Sprintf("No commits between %s and %s", base, ref)})
		return
	}
	number := firstCreatedPull
	for n, is := range r.issues {
		if n >= number {
			number = n + 1
		}
		if p := is.Pull; p != nil && is.State == "open" && p.HeadRef == ref && p.BaseRef == base && p.HeadRepo == "" {
			problem(map[string]any{"code": "custom", "message": fmt.Sprintf("A pull request already exists for %s:%s.", r.Owner, ref)})
			return
		}
	}
	if err := gh.gs.SetRef(r.fullName(), fmt.Sprintf("refs/pull/%d/head", number), headSHA); err != nil {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusInternalServerError, err.Error())
		return
	}
	is := &ghIssue{
		Number: number, ID: gh.id(), Title: title, Body: body, User: c.who.Login, State: "open", CreatedAt: time.Now().UTC(),
		Pull: &ghPull{HeadSHA: headSHA, HeadRef: ref, BaseRef: base, Draft: draft},
	}
	r.issues[number] = is
	o := gh.pullObjOf(r, is, c.who.Type)
	gh.mu.Unlock()
	c.w.Header().Set("Location", o["url"].(string))
	gh.respond(c, http.StatusCreated, o)
}

// listPulls lists pull requests, newest first, filtered by state (default open), head
// ("owner:branch"; without the owner nothing matches) and base.
func (gh *GitHub) listPulls(c *call) {
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	var all []*ghIssue
	for _, is := range r.issues {
		p := is.Pull
		if p == nil || (state != "all" && is.State != state) {
			continue
		}
		if head := q.Get("head"); head != "" {
			owner, ref, ok := strings.Cut(head, ":")
			headOwner := r.Owner
			if p.HeadRepo != "" {
				headOwner, _, _ = strings.Cut(p.HeadRepo, "/")
			}
			if !ok || !strings.EqualFold(owner, headOwner) || ref != p.HeadRef {
				continue
			}
		}
		if base := q.Get("base"); base != "" && base != p.BaseRef {
			continue
		}
		all = append(all, is)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Number > all[j].Number })
	if q.Get("direction") == "asc" {
		sort.Slice(all, func(i, j int) bool { return all[i].Number < all[j].Number })
	}
	if q.Get("sort") == "updated" {
		sortByUpdated(all, q.Get("direction") != "asc") // github_merged_pulls.go
	}
	lo, hi := gh.paginate(c, len(all))
	list := []any{}
	for _, is := range all[lo:hi] {
		typ := "User"
		if strings.HasSuffix(is.User, "[bot]") {
			typ = "Bot"
		}
		list = append(list, gh.pullObjOf(r, is, typ))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}

// pullObjOf is pullObj with the author's type and the draft flag; call with gh.mu held.
func (gh *GitHub) pullObjOf(r *ghRepo, is *ghIssue, userType string) map[string]any {
	o := gh.pullObj(r, is)
	if userType != "" {
		o["user"] = gh.userObj(is.User, userType)
	}
	o["draft"] = is.Pull.Draft
	return o
}

// isAncestor reports whether commit a is an ancestor of b in repository fullName.
func (gs *GitServer) isAncestor(fullName, a, b string) bool {
	_, err := gs.git(gs.RepoDir(fullName), nil, "merge-base", "--is-ancestor", a, b)
	return err == nil
}
