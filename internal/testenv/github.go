package testenv

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultInstallationID is the installation id of the fake GitHub App, also used by
// IssueComment when CommentOpts.InstallationID is zero.
const DefaultInstallationID int64 = 4242

const apiPrefix = "/api/v3"

// GitHub is a fake GitHub (Enterprise-style, under /api/v3) serving the REST paths Rigel uses
// with the real API's JSON shapes. Every request is validated against GitHub's OpenAPI
// description; requests it would reject are answered like GitHub and recorded as violations.
type GitHub struct {
	AppID          int64
	AppSlug        string // "rigel"; the bot's login is AppSlug+"[bot]"
	AppName        string
	PrivateKeyPEM  []byte // PKCS#1 PEM of the App's private key
	InstallationID int64
	WebhookSecret  string // not used by the server; a convenience for tests

	issueEdits map[int64]int // updates of each issue by id (github_issues.go, issue 12); under mu

	commitComments []CommitCommentRecord // comments on commits (github_commit_comments.go, issue 12); under mu

	gs   *GitServer
	srv  *httptest.Server
	spec *apiSpec
	key  *rsa.PrivateKey

	mu          sync.Mutex
	tokens      map[string]*identity
	userIDs     map[string]int64
	repos       map[string]*ghRepo // by lower-case full name
	perms       map[string]map[string]string
	comments    map[int64]*ghComment
	reactions   []Reaction
	reqMu       sync.Mutex // guards requests (not mu: a status is recorded while a handler may hold mu)
	requests    []Request
	violations  []string
	fakeErrors  []string // responses of the fake itself that do not match the description
	failures    []*failRule
	nextID      int64
	tokenExpiry time.Duration

	// Pull request automation (issue 11): github_checks.go, github_statuses.go,
	// github_pull_files.go, github_graphql.go.
	checkRuns  []*CheckRunRecord
	statuses   []StatusRecord
	fileLimits fileLimits

	// GitHub Deployments and their statuses (issue 12, notifications): github_deployments.go.
	deploys deploymentsState

	// The app-manifest flow (github_manifest.go): manifests shown, apps created from them.
	pending map[string]*pendingManifest
	created []*CreatedApp

	// The app's webhook and its delivery log (issue 14, redelivery): github_hook_deliveries.go.
	hooks hookState
}

// Request is one request the fake GitHub received. Path is without the /api/v3 prefix.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   []byte
	Status int
	Login  string // the caller's identity ("rigel[bot]", a PAT's login, "app" for JWTs)
}

// Comment is an issue or pull request comment held by the fake GitHub.
type Comment struct {
	ID       int64
	Repo     string
	Issue    int
	Body     string
	User     string
	UserType string // "Bot" or "User"

	Edits     int    // how often its body was replaced through the API (PATCH)
	Minimized string // why it is hidden (GraphQL minimizeComment): "outdated", ...; "" when shown
}

// Reaction is a reaction added through the API. CommentID is 0 for reactions on the issue itself.
type Reaction struct {
	ID        int64
	Repo      string
	Issue     int
	CommentID int64
	Content   string
	User      string
}

type identity struct {
	Login string
	Type  string // "Bot", "User"; "" for the App's JWT
	App   bool   // authenticated as the App (JWT)
	Inst  bool   // installation token
	AppID int64  // the app created from a manifest it is of (github_manifest.go); 0: the fake's own
	Repos map[string]bool
	Exp   time.Time
}

type ghRepo struct {
	ID            int64
	Owner, Name   string
	DefaultBranch string
	CloneURL      string
	Fork          bool
	issues        map[int]*ghIssue
}

func (r *ghRepo) fullName() string { return r.Owner + "/" + r.Name }

type ghIssue struct {
	Number    int
	ID        int64
	Title     string
	Body      string // "" is null
	User      string
	State     string
	Pull      *ghPull
	CreatedAt time.Time
}

type ghPull struct {
	HeadSHA, HeadRef, BaseRef string
	Merged                    bool
	Mergeable                 *bool
	MergeableUnknown          bool   // mergeable is null: GitHub has not computed it yet
	MergeableState            string // "" means "clean"
	HeadRepo                  string // the head's repository when it is a fork; "" means the base repo
	Draft                     bool
	Reviews                   []ghReview

	// Merged by MergePull (github_merged_pulls.go): its merge commit, and when.
	MergeSHA string
	MergedAt time.Time
}

type ghReview struct {
	ID          int64
	User, State string
	CommitID    string
	SubmittedAt time.Time
}

type ghComment struct {
	Comment
	CreatedAt, UpdatedAt time.Time
}

type failRule struct {
	method, prefix string
	status, left   int
	header         http.Header // set on the failure's answer (github_faults.go)
	msg            string      // the failure's message; "injected failure" when empty
	after          bool        // the request is carried out first, then answered with the failure
	hold           *hold       // the request waits until released (Hold), then is served
}

// StartGitHub starts a fake GitHub on 127.0.0.1. Installation tokens it mints are also
// made valid on gs (which may be nil).
func StartGitHub(gs *GitServer) (*GitHub, error) {
	spec, err := loadSpec()
	if err != nil {
		return nil, err
	}
	key, priv, _, err := rsaKeyPEM(2048)
	if err != nil {
		return nil, fmt.Errorf("failed to create GitHub App key: %w", err)
	}
	gh := &GitHub{
		AppID: 31337, AppSlug: "rigel", AppName: "Rigel", PrivateKeyPEM: priv,
		InstallationID: DefaultInstallationID, WebhookSecret: "rigel-webhook-secret",
		gs: gs, spec: spec, key: key,
		tokens: map[string]*identity{}, userIDs: map[string]int64{}, repos: map[string]*ghRepo{},
		perms: map[string]map[string]string{}, comments: map[int64]*ghComment{},
		nextID: 1000, tokenExpiry: time.Hour,
	}
	gh.srv = httptest.NewServer(http.HandlerFunc(gh.serve))
	return gh, nil
}

// URL is the API base URL, "http://127.0.0.1:port/api/v3/" (as for GitHub Enterprise).
func (gh *GitHub) URL() string { return gh.srv.URL + apiPrefix + "/" }

// WebURL is the web base URL, "http://127.0.0.1:port" (html_url values start with it).
func (gh *GitHub) WebURL() string { return gh.srv.URL }

// BotLogin is the login of the App's bot user, "rigel[bot]".
func (gh *GitHub) BotLogin() string { return gh.AppSlug + "[bot]" }

// Stop shuts the server down.
func (gh *GitHub) Stop() { gh.srv.Close() }

// commentIDs is shared by the fake GitHub and IssueComment so comment ids never collide.
var commentIDs atomic.Int64

func init() { commentIDs.Store(2_000_000_000) }

func (gh *GitHub) id() int64 { gh.nextID++; return gh.nextID }

func (gh *GitHub) userID(login string) int64 {
	if id, ok := gh.userIDs[login]; ok {
		return id
	}
	id := int64(100000 + len(gh.userIDs))
	gh.userIDs[login] = id
	return id
}

// AddRepo adds repository fullName ("acme/web") to the App's installation.
func (gh *GitHub) AddRepo(fullName, defaultBranch, cloneURL string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	owner, name, _ := strings.Cut(fullName, "/")
	gh.repos[strings.ToLower(fullName)] = &ghRepo{
		ID: gh.id(), Owner: owner, Name: name, DefaultBranch: defaultBranch, CloneURL: cloneURL,
		issues: map[int]*ghIssue{},
	}
}

func (gh *GitHub) repo(fullName string) *ghRepo {
	r := gh.repos[strings.ToLower(fullName)]
	if r == nil {
		panic(fmt.Sprintf("testenv: repository %s was not added with AddRepo", fullName))
	}
	return r
}

// AddIssue adds issue number to repo, opened by "octocat".
func (gh *GitHub) AddIssue(repo string, number int, title string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.repo(repo).issues[number] = &ghIssue{Number: number, ID: gh.id(), Title: title, User: "octocat", State: "open", CreatedAt: time.Now().UTC()}
}

// AddPull adds pull request number to repo and points refs/pull/<number>/head at headSHA on
// the git server (when there is one).
func (gh *GitHub) AddPull(repo string, number int, headSHA, headRef, baseRef string) error {
	if gh.gs != nil {
		if err := gh.gs.SetRef(repo, fmt.Sprintf("refs/pull/%d/head", number), headSHA); err != nil {
			return err
		}
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.repo(repo).issues[number] = &ghIssue{
		Number: number, ID: gh.id(), Title: fmt.Sprintf("Pull request %d", number), User: "octocat",
		State: "open", CreatedAt: time.Now().UTC(),
		Pull: &ghPull{HeadSHA: headSHA, HeadRef: headRef, BaseRef: baseRef},
	}
	return nil
}

// SetPullHead moves pull request number to headSHA (as a push to its branch does).
func (gh *GitHub) SetPullHead(repo string, number int, headSHA string) error {
	if gh.gs != nil {
		if err := gh.gs.SetRef(repo, fmt.Sprintf("refs/pull/%d/head", number), headSHA); err != nil {
			return err
		}
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	is := gh.repo(repo).issues[number]
	if is == nil || is.Pull == nil {
		return fmt.Errorf("failed to set head of %s#%d: no such pull request", repo, number)
	}
	is.Pull.HeadSHA = headSHA
	return nil
}

// SetPullState sets a pull request's (or issue's) state ("open", "closed") and merged flag.
func (gh *GitHub) SetPullState(repo string, number int, state string, merged bool) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	is := gh.repo(repo).issues[number]
	if is == nil {
		panic(fmt.Sprintf("testenv: %s#%d was not added", repo, number))
	}
	is.State = state
	if is.Pull != nil {
		is.Pull.Merged = merged
	}
}

// SetPermission sets user's role on repo: "admin", "maintain", "write", "triage", "read" or
// "none". Users without one have "write". As on GitHub, the answer's role_name is the role and
// its legacy permission field maps maintain to write and triage to read.
func (gh *GitHub) SetPermission(repo, user, permission string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	key := strings.ToLower(repo)
	if gh.perms[key] == nil {
		gh.perms[key] = map[string]string{}
	}
	gh.perms[key][strings.ToLower(user)] = permission
}

// AddComment adds a comment by user (type "User", or "Bot" when the login ends in "[bot]")
// on issue number of repo, as if made on github.com, and returns it.
func (gh *GitHub) AddComment(repo string, number int, user, body string) Comment {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	return gh.addComment(repo, number, user, body, commentIDs.Add(1))
}

func (gh *GitHub) addComment(repo string, number int, user, body string, id int64) Comment {
	typ := "User"
	if strings.HasSuffix(user, "[bot]") {
		typ = "Bot"
	}
	now := time.Now().UTC()
	c := &ghComment{Comment: Comment{ID: id, Repo: gh.repo(repo).fullName(), Issue: number, Body: body, User: user, UserType: typ}, CreatedAt: now, UpdatedAt: now}
	gh.comments[id] = c
	return c.Comment
}

// Comments returns the comments on issue number of repo, oldest first.
func (gh *GitHub) Comments(repo string, number int) []Comment {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var out []Comment
	for _, c := range gh.sortedComments(repo, number) {
		out = append(out, c.Comment)
	}
	return out
}

// Reactions returns every reaction added through the API, in order.
func (gh *GitHub) Reactions() []Reaction {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	return append([]Reaction(nil), gh.reactions...)
}

// Requests returns every request received, in order.
func (gh *GitHub) Requests() []Request {
	gh.reqMu.Lock()
	defer gh.reqMu.Unlock()
	return append([]Request(nil), gh.requests...)
}

// Violations returns the requests the real GitHub would have rejected (unknown paths or
// methods, bodies missing required fields or with wrong types, over-long comments...) and
// the requests to operations the fake does not implement.
func (gh *GitHub) Violations() []string {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	return append([]string(nil), gh.violations...)
}

// FailNext makes the next n requests whose method (any when "") and path (without /api/v3)
// start with pathPrefix fail with status, before they reach the handler.
func (gh *GitHub) FailNext(method, pathPrefix string, status, n int) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.failures = append(gh.failures, &failRule{method: strings.ToUpper(method), prefix: strings.TrimPrefix(pathPrefix, apiPrefix), status: status, left: n})
}

func (gh *GitHub) takeFailure(method, path string) *failRule {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	for _, f := range gh.failures {
		if f.left > 0 && (f.method == "" || f.method == method) && strings.HasPrefix(path, f.prefix) {
			f.left--
			return f
		}
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  func(int) // told the status before it is sent
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	if s.wrote != nil {
		s.wrote(code)
	}
	s.ResponseWriter.WriteHeader(code)
}

// call is one request being served.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	op     *apiOperation
	params map[string]string
	body   any
	who    *identity
}

func (gh *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, apiPrefix+"/") && gh.serveWeb(w, r) {
		return // a web page of the app-manifest flow (github_manifest.go)
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, apiPrefix)
	rec := Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body}
	// Recorded now, its status and caller as soon as the status is written: a client that
	// decoded a long answer may go on before the handler returns, and must find its request
	// counted and answered.
	gh.reqMu.Lock()
	idx := len(gh.requests)
	gh.requests = append(gh.requests, Request{Method: rec.Method, Path: rec.Path, Query: rec.Query, Body: rec.Body, Status: sw.status})
	gh.reqMu.Unlock()
	record := func(status int) {
		gh.reqMu.Lock()
		gh.requests[idx].Status, gh.requests[idx].Login = status, rec.Login
		gh.reqMu.Unlock()
	}
	sw.wrote = record
	defer func() { record(sw.status) }()
	where := r.Method + " " + path
	if r.URL.Path == graphqlPath { // GitHub Enterprise's GraphQL endpoint (github_graphql.go)
		rec.Login = gh.serveGraphQL(sw, r, body)
		return
	}
	if !strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		gh.violation(where, "not under "+apiPrefix)
		gh.errorJSON(sw, http.StatusNotFound, "Not Found")
		return
	}
	op, params, why := gh.spec.match(r.Method, strings.TrimPrefix(r.URL.EscapedPath(), apiPrefix))
	if op == nil {
		gh.violation(where, why)
		gh.errorJSON(sw, http.StatusNotFound, "Not Found")
		return
	}
	if errs := op.checkQuery(r.URL.Query()); len(errs) > 0 {
		gh.violation(where, strings.Join(errs, "; "))
		gh.errorJSON(sw, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	if errs := op.checkBody(body); len(errs) > 0 {
		gh.violation(where, strings.Join(errs, "; "))
		if strings.HasPrefix(errs[0], "request body is not valid JSON") {
			gh.errorJSON(sw, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
		gh.errorJSON(sw, http.StatusUnprocessableEntity, "Invalid request.\n\n"+strings.Join(errs, "\n"))
		return
	}
	fail := gh.takeFailure(r.Method, path)
	if fail != nil && fail.hold != nil {
		fail.wait() // then served as usual
		fail = nil
	}
	if fail != nil && !fail.after {
		gh.writeFailure(sw, fail)
		return
	}
	who, msg := gh.authenticate(r, op)
	if who == nil {
		sw.Header().Set("WWW-Authenticate", `Bearer realm="GitHub"`)
		gh.errorJSON(sw, http.StatusUnauthorized, msg)
		return
	}
	rec.Login = who.Login
	c := &call{w: sw, r: r, op: op, params: params, who: who}
	if len(bytes.TrimSpace(body)) > 0 {
		c.body, _ = decodeJSON(body)
	}
	h := handlers[op.ID]
	if h == nil {
		gh.violation(where, "operation "+op.ID+" is not implemented by the fake GitHub")
		gh.errorJSON(sw, http.StatusNotImplemented, "not implemented by the fake GitHub: "+op.ID)
		return
	}
	if fail != nil { // carried out, then answered with the failure
		c.w = httptest.NewRecorder()
		h(gh, c)
		gh.writeFailure(sw, fail)
		return
	}
	h(gh, c)
}

func (gh *GitHub) violation(where, why string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.violations = append(gh.violations, where+": "+why)
}

// errorJSON writes a GitHub-style error body.
func (gh *GitHub) errorJSON(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)})
}

// respond writes status with a body built from the operation's response schema and override.
func (gh *GitHub) respond(c *call, status int, override any) {
	code := strconv.Itoa(status)
	var out any = override
	if sch, ok := c.op.responses[code]; ok {
		out = fill(sch, normalizeGo(override), gh.URL())
		if errs := validate(sch, normalize(out), "response"); len(errs) > 0 {
			gh.mu.Lock()
			gh.fakeErrors = append(gh.fakeErrors, c.op.ID+" "+code+": "+strings.Join(errs, "; "))
			gh.mu.Unlock()
		}
	}
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	if out != nil {
		_ = json.NewEncoder(c.w).Encode(out)
	}
}

// normalizeGo turns Go values into the map/slice shapes fill walks.
func normalizeGo(v any) any {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

func pageParams(q url.Values) (page, perPage int) {
	page, perPage = 1, 30
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	return page, perPage
}

// paginate returns the page of n items and sets GitHub's Link header.
func (gh *GitHub) paginate(c *call, n int) (lo, hi int) {
	page, perPage := pageParams(c.r.URL.Query())
	last := max(1, (n+perPage-1)/perPage)
	link := func(p int, rel string) string {
		q := c.r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, gh.srv.URL, c.r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		c.w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo = min(n, (page-1)*perPage)
	hi = min(n, lo+perPage)
	return lo, hi
}
