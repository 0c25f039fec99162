package testenv

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxCommentChars is GitHub's limit on issue comment bodies.
const maxCommentChars = 65536

// handlers serve the operations the fake implements, by operationId. Every other operation
// of the description answers 501 and is recorded as a violation.
var handlers = map[string]func(*GitHub, *call){
	"apps/get-authenticated":                     (*GitHub).getApp,
	"apps/list-installations":                    (*GitHub).listInstallations,
	"apps/create-installation-access-token":      (*GitHub).createToken,
	"apps/get-repo-installation":                 (*GitHub).getRepoInstallation,
	"apps/list-repos-accessible-to-installation": (*GitHub).listInstallationRepos,
	"apps/create-from-manifest":                  (*GitHub).convertManifest, // github_manifest.go
	"rate-limit/get":                             (*GitHub).rateLimit,
	"repos/get":                                  (*GitHub).getRepo,
	"issues/get":                                 (*GitHub).getIssue,
	"pulls/get":                                  (*GitHub).getPull,
	"issues/create-comment":                      (*GitHub).createComment,
	"issues/list-comments":                       (*GitHub).listComments,
	"issues/update-comment":                      (*GitHub).updateComment,
	"issues/delete-comment":                      (*GitHub).deleteComment,
	"reactions/create-for-issue-comment":         (*GitHub).createCommentReaction,
	"reactions/create-for-issue":                 (*GitHub).createIssueReaction,
	"repos/get-collaborator-permission-level":    (*GitHub).getPermission,
	"pulls/list-reviews":                         (*GitHub).listReviews,
}

var appPermissions = map[string]string{
	"contents": "write", "issues": "write", "pull_requests": "write", "metadata": "read", "checks": "write", "statuses": "write",
	"deployments": "write", // GitHub Deployments (issue 12, github_deployments.go)
}

var appEvents = []string{"issue_comment", "issues", "pull_request", "push"}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// userObj is a Simple User; call with gh.mu held.
func (gh *GitHub) userObj(login, typ string) map[string]any {
	api := gh.URL() + "users/" + login
	return map[string]any{
		"login": login, "id": gh.userID(login), "node_id": "U_" + login, "type": typ, "site_admin": false,
		"url": api, "html_url": gh.WebURL() + "/" + login, "avatar_url": gh.WebURL() + "/avatars/" + login,
		"gravatar_id": "", "user_view_type": "public",
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}",
		"gists_url": api + "/gists{/gist_id}", "starred_url": api + "/starred{/owner}{/repo}",
		"subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}",
		"received_events_url": api + "/received_events",
	}
}

func (gh *GitHub) appObj() map[string]any {
	return map[string]any{
		"id": gh.AppID, "slug": gh.AppSlug, "client_id": "Iv1.rigel", "node_id": "A_" + gh.AppSlug,
		"name": gh.AppName, "description": "Review-then-apply GitOps for Kubernetes",
		"owner": gh.userObj("rigel-gitops", "Organization"), "external_url": gh.WebURL(),
		"html_url": gh.WebURL() + "/apps/" + gh.AppSlug, "created_at": "2024-01-01T00:00:00Z",
		"updated_at": "2024-01-01T00:00:00Z", "permissions": appPermissions, "events": appEvents,
		"installations_count": 1,
	}
}

func (gh *GitHub) installationObj(account string) map[string]any {
	return map[string]any{
		"id": gh.InstallationID, "app_id": gh.AppID, "app_slug": gh.AppSlug, "client_id": "Iv1.rigel",
		"account": gh.userObj(account, "Organization"), "target_id": gh.userID(account), "target_type": "Organization",
		"repository_selection": "selected", "permissions": appPermissions, "events": appEvents,
		"access_tokens_url": fmt.Sprintf("%sapp/installations/%d/access_tokens", gh.URL(), gh.InstallationID),
		"repositories_url":  gh.URL() + "installation/repositories",
		"html_url":          fmt.Sprintf("%s/organizations/%s/settings/installations/%d", gh.WebURL(), account, gh.InstallationID),
		"created_at":        "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
		"single_file_name": nil, "suspended_at": nil, "suspended_by": nil,
		"has_multiple_single_files": false, "single_file_paths": []string{},
	}
}

func (gh *GitHub) repoObj(r *ghRepo) map[string]any {
	api := gh.URL() + "repos/" + r.fullName()
	return map[string]any{
		"id": r.ID, "node_id": fmt.Sprintf("R_%d", r.ID), "name": r.Name, "full_name": r.fullName(),
		"owner": gh.userObj(r.Owner, "Organization"), "private": false, "visibility": "public",
		"html_url": gh.WebURL() + "/" + r.fullName(), "url": api, "clone_url": r.CloneURL,
		"git_url": r.CloneURL, "ssh_url": "git@127.0.0.1:" + r.fullName() + ".git", "svn_url": gh.WebURL() + "/" + r.fullName(),
		"default_branch": r.DefaultBranch, "fork": r.Fork, "archived": false, "disabled": false,
		"has_issues": true, "open_issues_count": len(r.issues), "open_issues": len(r.issues),
		"issues_url": api + "/issues{/number}", "pulls_url": api + "/pulls{/number}",
		"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z", "pushed_at": "2024-01-01T00:00:00Z",
	}
}

func (gh *GitHub) issueObj(r *ghRepo, is *ghIssue, comments int) map[string]any {
	api := fmt.Sprintf("%srepos/%s/issues/%d", gh.URL(), r.fullName(), is.Number)
	kind := "issues"
	if is.Pull != nil {
		kind = "pull"
	}
	o := map[string]any{
		"id": is.ID, "node_id": fmt.Sprintf("I_%d", is.ID), "number": is.Number, "title": is.Title,
		"state": is.State, "user": gh.userObj(is.User, "User"), "labels": []any{}, "assignees": []any{},
		"locked": false, "comments": comments, "body": nil, "author_association": "MEMBER",
		"url": api, "html_url": fmt.Sprintf("%s/%s/%s/%d", gh.WebURL(), r.fullName(), kind, is.Number),
		"repository_url": gh.URL() + "repos/" + r.fullName(), "comments_url": api + "/comments",
		"labels_url": api + "/labels{/name}", "events_url": api + "/events",
		"created_at": ts(is.CreatedAt), "updated_at": ts(is.CreatedAt),
	}
	if is.Body != "" {
		o["body"] = is.Body
	}
	if is.State == "closed" {
		o["closed_at"] = ts(is.CreatedAt)
	}
	if is.Pull != nil {
		pr := map[string]any{
			"url":       fmt.Sprintf("%srepos/%s/pulls/%d", gh.URL(), r.fullName(), is.Number),
			"html_url":  fmt.Sprintf("%s/%s/pull/%d", gh.WebURL(), r.fullName(), is.Number),
			"diff_url":  fmt.Sprintf("%s/%s/pull/%d.diff", gh.WebURL(), r.fullName(), is.Number),
			"patch_url": fmt.Sprintf("%s/%s/pull/%d.patch", gh.WebURL(), r.fullName(), is.Number),
			"merged_at": nil,
		}
		if is.Pull.Merged {
			pr["merged_at"] = ts(is.CreatedAt)
		}
		o["pull_request"] = pr
	}
	return o
}

func (gh *GitHub) pullObj(r *ghRepo, is *ghIssue) map[string]any {
	p := is.Pull
	o := gh.issueObj(r, is, 0)
	delete(o, "pull_request")
	delete(o, "assignees")
	api := fmt.Sprintf("%srepos/%s/pulls/%d", gh.URL(), r.fullName(), is.Number)
	baseSHA := strings.Repeat("0", 40)
	if gh.gs != nil {
		if sha, err := gh.gs.Head(r.fullName(), p.BaseRef); err == nil {
			baseSHA = sha
		}
	}
	// An open pull request's head follows its branch as GitHub's does: a push that moves the
	// branch forward (a commit added to it) moves the pull request's head.
	headSHA := p.HeadSHA
	if gh.gs != nil && p.HeadRepo == "" && is.State == "open" {
		if tip, err := gh.gs.Head(r.fullName(), p.HeadRef); err == nil && tip != headSHA && gh.gs.isAncestor(r.fullName(), headSHA, tip) {
			headSHA = tip
		}
	}
	mergeable := true
	if p.Mergeable != nil {
		mergeable = *p.Mergeable
	}
	mergeableState := "clean"
	if p.MergeableState != "" {
		mergeableState = p.MergeableState
	}
	branch := func(repo *ghRepo, ref, sha string) map[string]any {
		return map[string]any{
			"label": repo.Owner + ":" + ref, "ref": ref, "sha": sha,
			"user": gh.userObj(repo.Owner, "Organization"), "repo": gh.repoObj(repo),
		}
	}
	headRepo := r
	if p.HeadRepo != "" {
		owner, name, _ := strings.Cut(p.HeadRepo, "/")
		headRepo = &ghRepo{ID: r.ID + 500000, Owner: owner, Name: name, DefaultBranch: r.DefaultBranch, CloneURL: gh.WebURL() + "/" + p.HeadRepo + ".git", Fork: true}
	}
	for k, v := range map[string]any{
		"url": api, "html_url": fmt.Sprintf("%s/%s/pull/%d", gh.WebURL(), r.fullName(), is.Number),
		"issue_url":   fmt.Sprintf("%srepos/%s/issues/%d", gh.URL(), r.fullName(), is.Number),
		"diff_url":    fmt.Sprintf("%s/%s/pull/%d.diff", gh.WebURL(), r.fullName(), is.Number),
		"patch_url":   fmt.Sprintf("%s/%s/pull/%d.patch", gh.WebURL(), r.fullName(), is.Number),
		"commits_url": api + "/commits", "review_comments_url": api + "/comments",
		"review_comment_url": gh.URL() + "repos/" + r.fullName() + "/pulls/comments{/number}",
		"statuses_url":       gh.URL() + "repos/" + r.fullName() + "/statuses/" + headSHA,
		"head":               branch(headRepo, p.HeadRef, headSHA), "base": branch(r, p.BaseRef, baseSHA),
		"merged": p.Merged, "mergeable": mergeable, "mergeable_state": mergeableState, "draft": p.Draft,
		"rebaseable": mergeable, "maintainer_can_modify": false, "commits": 1, "changed_files": gh.changedFileCount(r, p),
		"_links": map[string]any{
			"self": map[string]any{"href": api}, "html": map[string]any{"href": fmt.Sprintf("%s/%s/pull/%d", gh.WebURL(), r.fullName(), is.Number)},
			"issue": map[string]any{"href": o["url"]}, "comments": map[string]any{"href": o["comments_url"]},
			"review_comments": map[string]any{"href": api + "/comments"}, "review_comment": map[string]any{"href": api + "/comments{/number}"},
			"commits": map[string]any{"href": api + "/commits"}, "statuses": map[string]any{"href": gh.URL() + "repos/" + r.fullName() + "/statuses/" + headSHA},
		},
	} {
		o[k] = v
	}
	if p.Merged || p.MergeableUnknown {
		o["mergeable"] = nil
	}
	if p.Merged {
		o["merged_at"] = ts(is.CreatedAt)
	}
	mergedObj(o, p) // github_merged_pulls.go
	return o
}

func (gh *GitHub) commentObj(c *ghComment) map[string]any {
	r := gh.repo(c.Repo)
	kind := "issues"
	if is := r.issues[c.Issue]; is != nil && is.Pull != nil {
		kind = "pull"
	}
	o := map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("IC_%d", c.ID), "body": c.Body,
		"url":       fmt.Sprintf("%srepos/%s/issues/comments/%d", gh.URL(), c.Repo, c.ID),
		"html_url":  fmt.Sprintf("%s/%s/%s/%d#issuecomment-%d", gh.WebURL(), c.Repo, kind, c.Issue, c.ID),
		"issue_url": fmt.Sprintf("%srepos/%s/issues/%d", gh.URL(), c.Repo, c.Issue),
		"user":      gh.userObj(c.User, c.UserType), "created_at": ts(c.CreatedAt), "updated_at": ts(c.UpdatedAt),
		"author_association": "NONE", "performed_via_github_app": nil,
	}
	if c.UserType == "Bot" {
		o["performed_via_github_app"] = gh.appObj()
	}
	return o
}

func (gh *GitHub) sortedComments(repo string, number int) []*ghComment {
	var out []*ghComment
	for _, c := range gh.comments {
		if strings.EqualFold(c.Repo, repo) && c.Issue == number {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// lookupRepo finds the path's repository, visible to the caller; it writes 404 otherwise.
// It returns with gh.mu held when it succeeds.
func (gh *GitHub) lookupRepo(c *call) *ghRepo {
	full := c.params["owner"] + "/" + c.params["repo"]
	gh.mu.Lock()
	r := gh.repos[strings.ToLower(full)]
	if r != nil && (c.who.Repos == nil || c.who.Repos[strings.ToLower(r.Name)] || c.who.Repos[strings.ToLower(full)]) {
		return r
	}
	gh.mu.Unlock()
	gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
	return nil
}

func (c *call) intParam(name string) int64 {
	n, _ := strconv.ParseInt(c.params[name], 10, 64)
	return n
}

func (c *call) bodyString(field string) string {
	m, _ := c.body.(map[string]any)
	s, _ := m[field].(string)
	return s
}

func (gh *GitHub) getApp(c *call) {
	app := gh.callerApp(c.who) // an app created from a manifest (github_manifest.go)
	gh.mu.Lock()
	o := gh.appObj()
	if app != nil {
		o = gh.createdAppObj(app)
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

func (gh *GitHub) listInstallations(c *call) {
	app := gh.callerApp(c.who)
	gh.mu.Lock()
	o := gh.installationObj(gh.firstOwner())
	if app != nil {
		o = gh.createdInstallationObj(app, gh.firstOwner())
	}
	gh.mu.Unlock()
	gh.paginate(c, 1)
	gh.respond(c, http.StatusOK, []any{o})
}

// firstOwner is the account the installation belongs to: the owner of the first repo added.
func (gh *GitHub) firstOwner() string {
	var best *ghRepo
	for _, r := range gh.repos {
		if best == nil || r.ID < best.ID {
			best = r
		}
	}
	if best == nil {
		return "acme"
	}
	return best.Owner
}

func (gh *GitHub) createToken(c *call) {
	app, inst := gh.callerApp(c.who), gh.InstallationID
	if app != nil {
		inst = app.InstallationID // github_manifest.go
	}
	if c.intParam("installation_id") != inst {
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return
	}
	var repos []string
	m, _ := c.body.(map[string]any)
	if list, ok := m["repositories"].([]any); ok {
		for _, r := range list {
			if s, ok := r.(string); ok {
				repos = append(repos, s)
			}
		}
	}
	if ids, ok := m["repository_ids"].([]any); ok {
		gh.mu.Lock()
		for _, id := range ids {
			for _, r := range gh.repos {
				if fmt.Sprint(id) == strconv.FormatInt(r.ID, 10) {
					repos = append(repos, r.Name)
				}
			}
		}
		gh.mu.Unlock()
	}
	tok, exp := gh.mintTokenOf(app, repos)
	selection := "all"
	if len(repos) > 0 {
		selection = "selected"
	}
	gh.respond(c, http.StatusCreated, map[string]any{
		"token": tok, "expires_at": ts(exp), "permissions": appPermissions, "repository_selection": selection,
	})
}

func (gh *GitHub) getRepoInstallation(c *call) {
	app := gh.callerApp(c.who)
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	o := gh.installationObj(r.Owner)
	if app != nil {
		o = gh.createdInstallationObj(app, r.Owner)
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

func (gh *GitHub) listInstallationRepos(c *call) {
	if !c.who.Inst {
		gh.errorJSON(c.w, http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation.")
		return
	}
	gh.mu.Lock()
	var all []*ghRepo
	for _, r := range gh.repos {
		if c.who.Repos == nil || c.who.Repos[strings.ToLower(r.Name)] {
			all = append(all, r)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	lo, hi := gh.paginate(c, len(all))
	var list []any
	for _, r := range all[lo:hi] {
		list = append(list, gh.repoObj(r))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, map[string]any{"total_count": len(all), "repositories": list, "repository_selection": "selected"})
}

func (gh *GitHub) rateLimit(c *call) {
	reset := time.Now().Add(time.Hour).Unix()
	lim := map[string]any{"limit": 5000, "remaining": 4999, "used": 1, "reset": reset}
	gh.respond(c, http.StatusOK, map[string]any{"resources": map[string]any{"core": lim, "search": lim}, "rate": lim})
}

func (gh *GitHub) getRepo(c *call) {
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	o := gh.repoObj(r)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

func (gh *GitHub) getIssue(c *call) {
	r, is := gh.lookupIssue(c)
	if is == nil {
		return
	}
	o := gh.issueObj(r, is, len(gh.sortedComments(r.fullName(), is.Number)))
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// lookupPull finds the path's repo and pull request and returns them with gh.mu held, or
// answers 404 and returns nil.
func (gh *GitHub) lookupPull(c *call) (*ghRepo, *ghIssue) {
	r := gh.lookupRepo(c)
	if r == nil {
		return nil, nil
	}
	is := r.issues[int(c.intParam("pull_number"))]
	if is == nil || is.Pull == nil {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return nil, nil
	}
	return r, is
}

func (gh *GitHub) getPull(c *call) {
	r, is := gh.lookupPull(c)
	if r == nil {
		return
	}
	o := gh.pullObj(r, is)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// checkCommentBody answers 422 (and records a violation) for bodies GitHub refuses.
func (gh *GitHub) checkCommentBody(c *call, body string) bool {
	if n := utf8.RuneCountInString(body); n > maxCommentChars {
		gh.violation(c.r.Method+" "+strings.TrimPrefix(c.r.URL.Path, apiPrefix), fmt.Sprintf("comment body has %d characters, GitHub allows %d", n, maxCommentChars))
		c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
			"errors": []any{map[string]any{"resource": "IssueComment", "code": "unprocessable", "field": "data",
				"message": fmt.Sprintf("Body is too long (maximum is %d characters)", maxCommentChars)}},
		})
		return false
	}
	return true
}

func (gh *GitHub) createComment(c *call) {
	body := c.bodyString("body")
	if !gh.checkCommentBody(c, body) {
		return
	}
	r, number := gh.issue(c)
	if r == nil {
		return
	}
	cm := gh.addComment(r.fullName(), number, c.who.Login, body, commentIDs.Add(1))
	c.w.Header().Set("Location", fmt.Sprintf("%srepos/%s/issues/comments/%d", gh.URL(), r.fullName(), cm.ID))
	o := gh.commentObj(gh.comments[cm.ID])
	gh.mu.Unlock()
	gh.respond(c, http.StatusCreated, o)
}

func (gh *GitHub) listComments(c *call) {
	r, number := gh.issue(c)
	if r == nil {
		return
	}
	all := gh.sortedComments(r.fullName(), number)
	lo, hi := gh.paginate(c, len(all))
	list := []any{}
	for _, cm := range all[lo:hi] {
		list = append(list, gh.commentObj(cm))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}

// issue finds the path's repository and issue number; it writes 404 when either is unknown.
// It returns with gh.mu held when it succeeds.
func (gh *GitHub) issue(c *call) (*ghRepo, int) {
	r := gh.lookupRepo(c)
	if r == nil {
		return nil, 0
	}
	number := int(c.intParam("issue_number"))
	if r.issues[number] == nil {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return nil, 0
	}
	return r, number
}

// comment finds the path's comment in the path's repository; it writes 404 otherwise.
// It returns with gh.mu held when it succeeds.
func (gh *GitHub) comment(c *call) *ghComment {
	r := gh.lookupRepo(c)
	if r == nil {
		return nil
	}
	cm := gh.comments[c.intParam("comment_id")]
	if cm == nil || !strings.EqualFold(cm.Repo, r.fullName()) {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return nil
	}
	return cm
}

func (gh *GitHub) updateComment(c *call) {
	body := c.bodyString("body")
	if !gh.checkCommentBody(c, body) {
		return
	}
	cm := gh.comment(c)
	if cm == nil {
		return
	}
	cm.Body = body
	cm.Edits++
	cm.UpdatedAt = time.Now().UTC()
	o := gh.commentObj(cm)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

func (gh *GitHub) deleteComment(c *call) {
	cm := gh.comment(c)
	if cm == nil {
		return
	}
	delete(gh.comments, cm.ID)
	gh.mu.Unlock()
	c.w.WriteHeader(http.StatusNoContent)
}

// addReaction records a reaction; an existing one of the same user and content answers 200.
func (gh *GitHub) addReaction(c *call, repo string, issue int, commentID int64) {
	content := c.bodyString("content")
	var found *Reaction
	for i := range gh.reactions {
		x := &gh.reactions[i]
		if x.Repo == repo && x.Issue == issue && x.CommentID == commentID && x.Content == content && x.User == c.who.Login {
			found = x
		}
	}
	status := http.StatusOK
	if found == nil {
		gh.reactions = append(gh.reactions, Reaction{ID: gh.id(), Repo: repo, Issue: issue, CommentID: commentID, Content: content, User: c.who.Login})
		found = &gh.reactions[len(gh.reactions)-1]
		status = http.StatusCreated
	}
	o := map[string]any{
		"id": found.ID, "node_id": fmt.Sprintf("REA_%d", found.ID), "content": found.Content,
		"user": gh.userObj(c.who.Login, c.who.Type), "created_at": ts(time.Now()),
	}
	gh.mu.Unlock()
	gh.respond(c, status, o)
}

func (gh *GitHub) createCommentReaction(c *call) {
	cm := gh.comment(c)
	if cm == nil {
		return
	}
	gh.addReaction(c, cm.Repo, cm.Issue, cm.ID)
}

func (gh *GitHub) createIssueReaction(c *call) {
	r, number := gh.issue(c)
	if r == nil {
		return
	}
	gh.addReaction(c, r.fullName(), number, 0)
}

func (gh *GitHub) getPermission(c *call) {
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	user := c.params["username"]
	role := "write"
	if p, ok := gh.perms[strings.ToLower(r.fullName())][strings.ToLower(user)]; ok {
		role = p
	}
	rank := map[string]int{"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}[role]
	legacy := map[string]string{"triage": "read", "maintain": "write"}[role] // GitHub's permission field
	if legacy == "" {
		legacy = role
	}
	u := gh.userObj(user, "User")
	u["role_name"] = role
	u["permissions"] = map[string]any{
		"pull": rank >= 1, "triage": rank >= 2, "push": rank >= 3, "maintain": rank >= 4, "admin": rank >= 5,
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, map[string]any{"permission": legacy, "role_name": role, "user": u})
}
