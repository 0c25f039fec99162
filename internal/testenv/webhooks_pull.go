package testenv

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Webhook payloads of pull request automation (issue 11): pull_request, push, check_run and
// pull_request_review (PullRequestWebhook, PushWebhook, CheckRunWebhook, ReviewWebhook, and the
// fake's PullRequestEvent, PushEvent, CheckRunEvent, ReviewEvent), each built from GitHub's example (testdata/webhooks) with the fields a
// test sets. Post them with PostWebhook, which signs them.

// eventBase is what every event names: where it happens and who acts.
type eventBase struct {
	repo, cloneURL, defaultBranch string
	installation                  int64
	api, web                      string
}

func newEventBase(repo, cloneURL, defaultBranch string, installation int64, apiURL, webURL string) eventBase {
	b := eventBase{repo: repo, cloneURL: cloneURL, defaultBranch: defaultBranch, installation: installation,
		api: strings.TrimSuffix(apiURL, "/"), web: strings.TrimSuffix(webURL, "/")}
	if b.defaultBranch == "" {
		b.defaultBranch = "main"
	}
	if b.installation == 0 {
		b.installation = DefaultInstallationID
	}
	if b.api == "" {
		b.api = "https://api.github.com"
	}
	if b.web == "" {
		b.web = "https://github.com"
	}
	return b
}

// setRepo makes m (a repository object of a payload) repository full, a fork or not.
func (b eventBase) setRepo(m map[string]any, full, cloneURL string, fork bool) {
	owner, name, _ := strings.Cut(full, "/")
	m["full_name"], m["name"], m["fork"] = full, name, fork
	m["clone_url"], m["default_branch"] = cloneURL, b.defaultBranch
	m["url"], m["html_url"] = b.api+"/repos/"+full, b.web+"/"+full
	m["git_url"], m["ssh_url"], m["svn_url"] = cloneURL, "git@127.0.0.1:"+full+".git", b.web+"/"+full
	if o, ok := m["owner"].(map[string]any); ok {
		b.setUser(o, owner, "Organization")
	}
	if fork {
		if id, ok := m["id"].(float64); ok {
			m["id"] = id + 500000
		}
	}
}

// setUser makes u (a user object of a payload) login, of type typ ("User", "Bot",
// "Organization"; "Bot" for logins ending in "[bot]" when "").
func (b eventBase) setUser(u map[string]any, login, typ string) {
	if typ == "" {
		typ = "User"
		if strings.HasSuffix(login, "[bot]") {
			typ = "Bot"
		}
	}
	u["login"], u["type"] = login, typ
	u["url"], u["html_url"] = b.api+"/users/"+login, b.web+"/"+login
}

// finish sets the repository, sender and installation of payload p and encodes it.
func (b eventBase) finish(p map[string]any, sender string) []byte {
	b.setRepo(p["repository"].(map[string]any), b.repo, b.cloneURL, false)
	b.setUser(p["sender"].(map[string]any), sender, "")
	p["installation"] = map[string]any{"id": b.installation, "node_id": fmt.Sprintf("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u%d", b.installation)}
	owner, _, _ := strings.Cut(b.repo, "/")
	if org, ok := p["organization"].(map[string]any); ok {
		org["login"] = owner
	}
	data, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("testenv: failed to encode a webhook payload: %v", err))
	}
	return data
}

// PullOpts describes a pull_request event.
type PullOpts struct {
	Action         string // "opened" (default), "synchronize", "reopened", "ready_for_review", "closed"...
	Repo           string // full name, "acme/web"
	CloneURL       string
	DefaultBranch  string // "main" when empty
	Number         int
	Title          string // "Pull request <number>" when empty
	HeadSHA        string
	HeadRef        string // the head branch
	BaseSHA        string
	BaseRef        string // the branch it merges into; DefaultBranch when empty
	Before         string // synchronize: the head before the push
	Fork           string // the head's repository when the pull request comes from a fork, "someone/web"
	Draft          bool
	Merged         bool   // closed by merging it
	MergeSHA       string // merge_commit_sha of a merged pull request
	Author         string // who opened it; "octocat" when empty
	Sender         string // who acted; Author when empty
	InstallationID int64  // DefaultInstallationID when zero
	APIURL         string // API base of the payload's URLs, "https://api.github.com/" when empty
	WebURL         string // web base of html_url values, "https://github.com" when empty
}

// pullExamples are the example payloads each action is built from; other actions start from
// opened-1.
var pullExamples = map[string]string{
	"opened": "opened-1", "synchronize": "synchronize-1", "reopened": "reopened-1",
	"ready_for_review": "ready_for_review-1", "closed": "closed-1",
}

// PullRequestWebhook returns a pull_request webhook body: GitHub's example for the action with the
// repository, pull request, head, base, sender and installation set from opts.
func PullRequestWebhook(opts PullOpts) []byte {
	if opts.Action == "" {
		opts.Action = "opened"
	}
	example, ok := pullExamples[opts.Action]
	if !ok {
		example = "opened-1"
	}
	p := Payload("pull_request", example)
	p["action"], p["number"] = opts.Action, opts.Number
	b := newEventBase(opts.Repo, opts.CloneURL, opts.DefaultBranch, opts.InstallationID, opts.APIURL, opts.WebURL)
	if opts.Author == "" {
		opts.Author = "octocat"
	}
	if opts.Sender == "" {
		opts.Sender = opts.Author
	}
	b.setPull(p["pull_request"].(map[string]any), opts)
	delete(p, "before")
	delete(p, "after")
	if opts.Action == "synchronize" {
		p["before"], p["after"] = opts.Before, opts.HeadSHA
	}
	return b.finish(p, opts.Sender)
}

// setPull makes pr (a pull request object of a payload) the pull request opts describes.
func (b eventBase) setPull(pr map[string]any, opts PullOpts) {
	if opts.BaseRef == "" {
		opts.BaseRef = b.defaultBranch
	}
	if opts.Title == "" {
		opts.Title = fmt.Sprintf("Pull request %d", opts.Number)
	}
	api := fmt.Sprintf("%s/repos/%s/pulls/%d", b.api, opts.Repo, opts.Number)
	html := fmt.Sprintf("%s/%s/pull/%d", b.web, opts.Repo, opts.Number)
	pr["number"], pr["title"], pr["draft"] = opts.Number, opts.Title, opts.Draft
	pr["url"], pr["html_url"], pr["diff_url"], pr["patch_url"] = api, html, html+".diff", html+".patch"
	pr["issue_url"] = fmt.Sprintf("%s/repos/%s/issues/%d", b.api, opts.Repo, opts.Number)
	pr["comments_url"] = pr["issue_url"].(string) + "/comments"
	pr["commits_url"], pr["review_comments_url"] = api+"/commits", api+"/comments"
	pr["statuses_url"] = fmt.Sprintf("%s/repos/%s/statuses/%s", b.api, opts.Repo, opts.HeadSHA)
	pr["state"], pr["merged"], pr["merged_at"], pr["closed_at"], pr["merge_commit_sha"] = "open", false, nil, nil, nil
	if opts.Action == "closed" {
		now := ts(time.Now())
		pr["state"], pr["closed_at"] = "closed", now
		if opts.Merged {
			pr["merged"], pr["merged_at"], pr["merge_commit_sha"] = true, now, opts.MergeSHA
		}
	}
	b.setUser(pr["user"].(map[string]any), opts.Author, "")
	owner, _, _ := strings.Cut(opts.Repo, "/")
	headRepo, headCloneURL := opts.Repo, opts.CloneURL
	if opts.Fork != "" {
		headRepo, headCloneURL = opts.Fork, b.web+"/"+opts.Fork+".git"
	}
	headOwner, _, _ := strings.Cut(headRepo, "/")
	for _, side := range []struct {
		key, owner, repo, cloneURL, ref, sha string
		fork                                 bool
	}{
		{"head", headOwner, headRepo, headCloneURL, opts.HeadRef, opts.HeadSHA, opts.Fork != ""},
		{"base", owner, opts.Repo, opts.CloneURL, opts.BaseRef, opts.BaseSHA, false},
	} {
		m := pr[side.key].(map[string]any)
		m["label"], m["ref"], m["sha"] = side.owner+":"+side.ref, side.ref, side.sha
		b.setUser(m["user"].(map[string]any), side.owner, "Organization")
		if repo, ok := m["repo"].(map[string]any); ok {
			b.setRepo(repo, side.repo, side.cloneURL, side.fork)
		}
	}
}

// PullRequestEvent records what a pull_request event says on the fake GitHub and returns its
// body: "opened" adds the pull request (from opts.HeadSHA, HeadRef, BaseRef) unless it
// exists; "synchronize" moves its head to opts.HeadSHA (Before is the head it had);
// "closed" closes it (merged when opts.Merged); "reopened" opens it; "ready_for_review"
// makes it ready. Every field not set is taken from the fake's state: head, base (the
// base branch's commit on the git server), fork, draft, clone URL, installation.
func (gh *GitHub) PullRequestEvent(opts PullOpts) ([]byte, error) {
	gh.mu.Lock()
	r := gh.repo(opts.Repo)
	is := r.issues[opts.Number]
	gh.mu.Unlock()
	switch opts.Action {
	case "", "opened":
		if is == nil {
			if err := gh.AddPull(opts.Repo, opts.Number, opts.HeadSHA, opts.HeadRef, opts.BaseRef); err != nil {
				return nil, err
			}
		}
	case "synchronize":
		if is == nil || is.Pull == nil {
			return nil, fmt.Errorf("testenv: no pull request %s#%d to synchronize", opts.Repo, opts.Number)
		}
		gh.mu.Lock()
		old := is.Pull.HeadSHA
		gh.mu.Unlock()
		if opts.HeadSHA != "" && opts.HeadSHA != old {
			if err := gh.SetPullHead(opts.Repo, opts.Number, opts.HeadSHA); err != nil {
				return nil, err
			}
		}
		if opts.Before == "" {
			opts.Before = old
		}
	case "closed":
		gh.SetPullState(opts.Repo, opts.Number, "closed", opts.Merged)
	case "reopened":
		gh.SetPullState(opts.Repo, opts.Number, "open", false)
	case "ready_for_review":
		gh.SetPullDraft(opts.Repo, opts.Number, false)
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	is = r.issues[opts.Number]
	if is == nil || is.Pull == nil {
		return nil, fmt.Errorf("testenv: %s#%d is not a pull request", opts.Repo, opts.Number)
	}
	p := is.Pull
	if opts.HeadSHA == "" {
		opts.HeadSHA = p.HeadSHA
	}
	if opts.HeadRef == "" {
		opts.HeadRef = p.HeadRef
	}
	if opts.BaseRef == "" {
		opts.BaseRef = p.BaseRef
	}
	if opts.BaseSHA == "" {
		opts.BaseSHA = gh.branchSHA(r, opts.BaseRef)
	}
	if opts.Fork == "" {
		opts.Fork = p.HeadRepo
	}
	opts.Draft = opts.Draft || p.Draft
	opts.Merged = opts.Merged || p.Merged
	if opts.Title == "" {
		opts.Title = is.Title
	}
	if opts.Author == "" {
		opts.Author = is.User
	}
	gh.fillEventBase(r, &opts.CloneURL, &opts.DefaultBranch, &opts.InstallationID, &opts.APIURL, &opts.WebURL)
	return PullRequestWebhook(opts), nil
}

// fillEventBase fills what an event names of repository r from the fake's state; call with
// gh.mu held.
func (gh *GitHub) fillEventBase(r *ghRepo, cloneURL, defaultBranch *string, installation *int64, api, web *string) {
	if *cloneURL == "" {
		*cloneURL = r.CloneURL
	}
	if *defaultBranch == "" {
		*defaultBranch = r.DefaultBranch
	}
	if *installation == 0 {
		*installation = gh.InstallationID
	}
	*api, *web = gh.URL(), gh.WebURL()
}

// PushOpts describes a push event.
type PushOpts struct {
	Repo           string
	CloneURL       string
	DefaultBranch  string       // "main" when empty
	Ref            string       // "refs/heads/main"; the default branch's when empty
	Before, After  string       // the ref's commit before and after the push (zeros: created, deleted)
	Commits        []PushCommit // the commits pushed, oldest first
	Forced         bool
	Pusher         string // "octocat" when empty
	InstallationID int64
	APIURL, WebURL string
}

// PushCommit is a commit of a push event.
type PushCommit struct {
	ID                       string
	Message                  string
	Author                   string // name; "Rigel Test" when empty
	Added, Removed, Modified []string
	NotDistinct              bool // already in the repository before the push (distinct: false)
}

// maxPushCommits is how many commits a push event lists at most, the latest (as GitHub).
const maxPushCommits = 20

const zeroSHA = "0000000000000000000000000000000000000000"

// PushWebhook returns a push webhook body: GitHub's example event-5 (a push to a branch, with an
// installation) with the repository, ref, commits, pusher and installation set from opts.
func PushWebhook(opts PushOpts) []byte {
	b := newEventBase(opts.Repo, opts.CloneURL, opts.DefaultBranch, opts.InstallationID, opts.APIURL, opts.WebURL)
	if opts.Ref == "" {
		opts.Ref = "refs/heads/" + b.defaultBranch
	}
	if opts.Pusher == "" {
		opts.Pusher = "octocat"
	}
	if opts.Before == "" {
		opts.Before = zeroSHA
	}
	if opts.After == "" {
		opts.After = zeroSHA
	}
	p := Payload("push", "event-5")
	template := p["commits"].([]any)[0].(map[string]any)
	commits := []any{}
	for _, c := range opts.Commits {
		m := map[string]any{}
		for k, v := range template {
			m[k] = v
		}
		author := c.Author
		if author == "" {
			author = "Rigel Test"
		}
		person := map[string]any{"name": author, "email": "test@rigel.invalid", "username": author}
		m["id"], m["tree_id"], m["message"], m["timestamp"] = c.ID, c.ID, c.Message, "2024-01-01T00:00:00Z"
		m["url"] = b.web + "/" + opts.Repo + "/commit/" + c.ID
		m["author"], m["committer"] = person, person
		m["added"], m["removed"], m["modified"] = list(c.Added), list(c.Removed), list(c.Modified)
		m["distinct"] = !c.NotDistinct
		commits = append(commits, m)
	}
	p["ref"], p["before"], p["after"], p["base_ref"] = opts.Ref, opts.Before, opts.After, nil
	p["created"], p["deleted"], p["forced"] = opts.Before == zeroSHA, opts.After == zeroSHA, opts.Forced
	p["commits"] = commits
	p["head_commit"] = nil
	if len(commits) > 0 {
		p["head_commit"] = commits[len(commits)-1]
	}
	p["compare"] = fmt.Sprintf("%s/%s/compare/%s...%s", b.web, opts.Repo, short(opts.Before), short(opts.After))
	p["pusher"] = map[string]any{"name": opts.Pusher, "email": opts.Pusher + "@users.noreply.github.com"}
	return b.finish(p, opts.Pusher)
}

func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// PushEvent returns the push event of what the git server's ref now holds: After is the
// ref's commit when empty, Before After's first parent when empty, and Commits the real
// commits between them, the latest 20 (their files added, removed and modified against their
// first parent, a rename as a removal and an addition, as GitHub lists them; distinct false
// for a commit another branch already had, as a merged pull request's).
func (gh *GitHub) PushEvent(opts PushOpts) ([]byte, error) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	r := gh.repo(opts.Repo)
	gh.fillEventBase(r, &opts.CloneURL, &opts.DefaultBranch, &opts.InstallationID, &opts.APIURL, &opts.WebURL)
	if opts.Ref == "" {
		opts.Ref = "refs/heads/" + opts.DefaultBranch
	}
	if gh.gs == nil {
		return nil, fmt.Errorf("testenv: PushEvent needs the fake GitHub's git server")
	}
	var err error
	if opts.After == "" {
		if opts.After, err = gh.gs.Head(r.fullName(), opts.Ref); err != nil {
			return nil, err
		}
	}
	dir := gh.gs.RepoDir(r.fullName())
	if opts.Before == "" {
		opts.Before, _ = gh.gs.git(dir, nil, "rev-parse", "--verify", "--quiet", opts.After+"^1")
	}
	if opts.Commits == nil && opts.After != zeroSHA {
		rng := opts.After
		if opts.Before != "" && opts.Before != zeroSHA {
			rng = opts.Before + ".." + opts.After
		}
		out, err := gh.gs.git(dir, nil, "rev-list", "--reverse", "--topo-order", rng)
		if err != nil {
			return nil, err
		}
		shas := strings.Fields(out)
		shas = shas[max(0, len(shas)-maxPushCommits):]
		for _, sha := range shas {
			c := PushCommit{ID: sha}
			// distinct: new to the repository, not already on another branch (a merged pull
			// request's commits were pushed to its branch before).
			others, _ := gh.gs.git(dir, nil, "for-each-ref", "--contains", sha, "--format=%(refname)", "refs/heads/")
			c.NotDistinct = strings.Contains(strings.ReplaceAll(others+"\n", opts.Ref+"\n", ""), "refs/heads/")
			c.Message, _ = gh.gs.git(dir, nil, "show", "-s", "--format=%B", sha)
			c.Author, _ = gh.gs.git(dir, nil, "show", "-s", "--format=%an", sha)
			parent, _ := gh.gs.git(dir, nil, "rev-parse", "--verify", "--quiet", sha+"^1")
			if parent == "" {
				parent = "4b825dc642cb6eb9a060e54bf8d69288fbee4904" // the empty tree
			}
			files, err := gh.gs.diffFiles(r.fullName(), parent, sha)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				switch f.Status {
				case "added", "copied":
					c.Added = append(c.Added, f.Path)
				case "removed":
					c.Removed = append(c.Removed, f.Path)
				case "renamed":
					c.Removed, c.Added = append(c.Removed, f.PreviousPath), append(c.Added, f.Path)
				default:
					c.Modified = append(c.Modified, f.Path)
				}
			}
			opts.Commits = append(opts.Commits, c)
		}
	}
	if opts.Before == "" {
		opts.Before = zeroSHA
	}
	return PushWebhook(opts), nil
}

// CheckRunOpts describes a check_run event.
type CheckRunOpts struct {
	Action         string // "rerequested" (default), "created", "completed", "requested_action"
	Repo           string
	CloneURL       string
	DefaultBranch  string
	ID             int64
	Name           string
	HeadSHA        string
	HeadBranch     string
	Status         string // "completed" when empty
	Conclusion     string // "neutral" when empty and completed
	ExternalID     string
	AppID          int64 // the app the run belongs to; the example's when zero
	PullRequests   []int // numbers of the open pull requests whose head it is
	Sender         string
	InstallationID int64
	APIURL, WebURL string
}

// CheckRunWebhook returns a check_run webhook body: GitHub's example rerequested-1 with the run,
// repository, sender and installation set from opts.
func CheckRunWebhook(opts CheckRunOpts) []byte {
	if opts.Action == "" {
		opts.Action = "rerequested"
	}
	if opts.Status == "" {
		opts.Status = "completed"
	}
	if opts.Status == "completed" && opts.Conclusion == "" {
		opts.Conclusion = "neutral"
	}
	if opts.Sender == "" {
		opts.Sender = "octocat"
	}
	b := newEventBase(opts.Repo, opts.CloneURL, opts.DefaultBranch, opts.InstallationID, opts.APIURL, opts.WebURL)
	p := Payload("check_run", "rerequested-1")
	p["action"] = opts.Action
	cr := p["check_run"].(map[string]any)
	api := fmt.Sprintf("%s/repos/%s/check-runs/%d", b.api, opts.Repo, opts.ID)
	cr["id"], cr["name"], cr["head_sha"], cr["external_id"] = opts.ID, opts.Name, opts.HeadSHA, opts.ExternalID
	cr["url"], cr["html_url"] = api, fmt.Sprintf("%s/%s/runs/%d", b.web, opts.Repo, opts.ID)
	cr["status"], cr["conclusion"] = opts.Status, nil
	if opts.Conclusion != "" {
		cr["conclusion"] = opts.Conclusion
	}
	prs := []any{}
	for _, n := range opts.PullRequests {
		repoRef := map[string]any{"id": 1, "url": b.api + "/repos/" + opts.Repo, "name": strings.SplitN(opts.Repo, "/", 2)[1]}
		prs = append(prs, map[string]any{
			"id": n, "number": n, "url": fmt.Sprintf("%s/repos/%s/pulls/%d", b.api, opts.Repo, n),
			"head": map[string]any{"ref": opts.HeadBranch, "sha": opts.HeadSHA, "repo": repoRef},
			"base": map[string]any{"ref": b.defaultBranch, "sha": zeroSHA, "repo": repoRef},
		})
	}
	cr["pull_requests"] = prs
	suite := cr["check_suite"].(map[string]any)
	suite["head_sha"], suite["after"], suite["head_branch"], suite["pull_requests"] = opts.HeadSHA, opts.HeadSHA, opts.HeadBranch, prs
	for _, app := range []map[string]any{cr["app"].(map[string]any), suite["app"].(map[string]any)} {
		if opts.AppID != 0 {
			app["id"] = opts.AppID
		}
		// The example's app dates are not RFC 3339 ("2018-04-25 20:42:10"); GitHub's are, and
		// go-github cannot decode the example's.
		app["created_at"], app["updated_at"] = "2018-04-25T20:42:10Z", "2018-04-25T20:42:10Z"
	}
	return b.finish(p, opts.Sender)
}

// CheckRunEvent returns the check_run event (action, "rerequested" when empty) of check run
// id as the fake holds it, sent by sender: its name, head, status, external id, the App
// that made it and the open pull requests whose head it is.
func (gh *GitHub) CheckRunEvent(repo string, id int64, action, sender string) ([]byte, error) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	r := gh.repo(repo)
	var cr *CheckRunRecord
	for _, c := range gh.checkRuns {
		if c.ID == id && strings.EqualFold(c.Repo, r.fullName()) {
			cr = c
		}
	}
	if cr == nil {
		return nil, fmt.Errorf("testenv: no check run %d in %s", id, repo)
	}
	opts := CheckRunOpts{Action: action, Repo: r.fullName(), ID: cr.ID, Name: cr.Name, HeadSHA: cr.HeadSHA,
		Status: cr.Status, Conclusion: cr.Conclusion, ExternalID: cr.ExternalID, AppID: gh.AppID, Sender: sender}
	for _, is := range r.issues {
		if p := is.Pull; p != nil && is.State == "open" && p.HeadSHA == cr.HeadSHA && p.HeadRepo == "" {
			opts.PullRequests = append(opts.PullRequests, is.Number)
			opts.HeadBranch = p.HeadRef
		}
	}
	gh.fillEventBase(r, &opts.CloneURL, &opts.DefaultBranch, &opts.InstallationID, &opts.APIURL, &opts.WebURL)
	return CheckRunWebhook(opts), nil
}

// ReviewOpts describes a pull_request_review event.
type ReviewOpts struct {
	Action   string   // "submitted" (default), "edited", "dismissed"
	Pull     PullOpts // the pull request reviewed (its Action is ignored)
	Reviewer string   // "octocat" when empty
	State    string   // "approved" (default), "changes_requested", "commented", as webhooks spell them
	CommitID string   // the commit reviewed; Pull.HeadSHA when empty
	ReviewID int64    // a fresh id when zero
	Body     string
}

// ReviewWebhook returns a pull_request_review webhook body: GitHub's example
// submitted-1 with the review, pull request, repository, sender and installation set from
// opts.
func ReviewWebhook(opts ReviewOpts) []byte {
	if opts.Action == "" {
		opts.Action = "submitted"
	}
	if opts.Reviewer == "" {
		opts.Reviewer = "octocat"
	}
	if opts.State == "" {
		opts.State = "approved"
	}
	if opts.CommitID == "" {
		opts.CommitID = opts.Pull.HeadSHA
	}
	if opts.ReviewID == 0 {
		opts.ReviewID = commentIDs.Add(1)
	}
	if opts.Pull.Author == "" {
		opts.Pull.Author = "octocat"
	}
	opts.Pull.Action = "opened"
	b := newEventBase(opts.Pull.Repo, opts.Pull.CloneURL, opts.Pull.DefaultBranch, opts.Pull.InstallationID, opts.Pull.APIURL, opts.Pull.WebURL)
	p := Payload("pull_request_review", "submitted-1")
	p["action"] = opts.Action
	b.setPull(p["pull_request"].(map[string]any), opts.Pull)
	rv := p["review"].(map[string]any)
	html := fmt.Sprintf("%s/%s/pull/%d#pullrequestreview-%d", b.web, opts.Pull.Repo, opts.Pull.Number, opts.ReviewID)
	rv["id"], rv["node_id"], rv["state"], rv["commit_id"], rv["body"] = opts.ReviewID, fmt.Sprintf("PRR_%d", opts.ReviewID), strings.ToLower(opts.State), opts.CommitID, opts.Body
	rv["html_url"], rv["pull_request_url"], rv["submitted_at"] = html, fmt.Sprintf("%s/repos/%s/pulls/%d", b.api, opts.Pull.Repo, opts.Pull.Number), ts(time.Now())
	b.setUser(rv["user"].(map[string]any), opts.Reviewer, "")
	if links, ok := rv["_links"].(map[string]any); ok {
		links["html"] = map[string]any{"href": html}
		links["pull_request"] = map[string]any{"href": rv["pull_request_url"]}
	}
	return b.finish(p, opts.Reviewer)
}

// ReviewEvent records a review of pull request number by reviewer in state ("approved",
// "changes_requested", "commented") on its current head, as AddReview does, and returns its
// pull_request_review event.
func (gh *GitHub) ReviewEvent(repo string, number int, reviewer, state string) ([]byte, error) {
	gh.AddReview(repo, number, reviewer, state)
	pr, err := gh.PullRequestEvent(PullOpts{Action: "edited", Repo: repo, Number: number})
	if err != nil {
		return nil, err
	}
	var ev struct {
		PullRequest struct {
			Head, Base struct{ SHA, Ref string }
			Draft      bool
			Title      string
			User       struct{ Login string }
		} `json:"pull_request"`
		Repository struct {
			CloneURL      string `json:"clone_url"`
			DefaultBranch string `json:"default_branch"`
		}
	}
	if err := json.Unmarshal(pr, &ev); err != nil {
		return nil, err
	}
	gh.mu.Lock()
	fork := gh.pull(repo, number).HeadRepo
	gh.mu.Unlock()
	opts := ReviewOpts{Reviewer: reviewer, State: state, Pull: PullOpts{
		Repo: repo, Number: number, HeadSHA: ev.PullRequest.Head.SHA, HeadRef: ev.PullRequest.Head.Ref,
		BaseSHA: ev.PullRequest.Base.SHA, BaseRef: ev.PullRequest.Base.Ref, Fork: fork, Draft: ev.PullRequest.Draft,
		Title: ev.PullRequest.Title, Author: ev.PullRequest.User.Login,
		CloneURL: ev.Repository.CloneURL, DefaultBranch: ev.Repository.DefaultBranch,
		InstallationID: gh.InstallationID, APIURL: gh.URL(), WebURL: gh.WebURL(),
	}}
	return ReviewWebhook(opts), nil
}
