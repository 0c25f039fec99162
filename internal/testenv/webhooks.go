package testenv

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
)

// Webhook payloads as GitHub delivers them, unchanged from @octokit/webhooks-examples 7.6.1 (MIT).
//
//go:embed testdata/webhooks
var webhookFiles embed.FS

// Payload returns the decoded example payload testdata/webhooks/<event>/<file> (file with or
// without ".json", e.g. Payload("issue_comment", "created-4")). It panics when there is none.
func Payload(event, file string) map[string]any {
	if !strings.HasSuffix(file, ".json") {
		file += ".json"
	}
	data, err := webhookFiles.ReadFile(path.Join("testdata/webhooks", event, file))
	if err != nil {
		panic(fmt.Sprintf("testenv: no webhook payload %s/%s: %v", event, file, err))
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic(fmt.Sprintf("testenv: bad webhook payload %s/%s: %v", event, file, err))
	}
	return m
}

// CommentOpts describes an issue_comment event.
type CommentOpts struct {
	Action         string // "created" (default), "edited" or "deleted"
	Repo           string // full name, "acme/web"
	CloneURL       string
	DefaultBranch  string // "main" when empty
	Issue          int
	IsPull         bool  // the issue is a pull request
	CommentID      int64 // a fresh unique id when zero
	Body           string
	User           string // commenter login; "octocat" when empty
	UserType       string // "User" (default) or "Bot"
	InstallationID int64  // DefaultInstallationID when zero
	APIURL         string // API base for the payload's URLs, "https://api.github.com/" when empty
	WebURL         string // web base for html_url values, "https://github.com" when empty
}

// IssueComment returns an issue_comment webhook body: GitHub's example created-4.json (which
// carries an installation) with the repository, issue, comment, sender and installation set
// from opts.
func IssueComment(opts CommentOpts) []byte {
	if opts.Action == "" {
		opts.Action = "created"
	}
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = "main"
	}
	if opts.User == "" {
		opts.User = "octocat"
	}
	if opts.UserType == "" {
		opts.UserType = "User"
	}
	if opts.InstallationID == 0 {
		opts.InstallationID = DefaultInstallationID
	}
	if opts.CommentID == 0 {
		opts.CommentID = commentIDs.Add(1)
	}
	api := strings.TrimSuffix(opts.APIURL, "/")
	if api == "" {
		api = "https://api.github.com"
	}
	web := strings.TrimSuffix(opts.WebURL, "/")
	if web == "" {
		web = "https://github.com"
	}
	owner, name, _ := strings.Cut(opts.Repo, "/")

	p := Payload("issue_comment", "created-4.json")
	p["action"] = opts.Action
	repo := p["repository"].(map[string]any)
	repo["full_name"] = opts.Repo
	repo["name"] = name
	repo["owner"].(map[string]any)["login"] = owner
	repo["clone_url"] = opts.CloneURL
	repo["default_branch"] = opts.DefaultBranch
	repo["url"] = api + "/repos/" + opts.Repo
	repo["html_url"] = web + "/" + opts.Repo

	issue := p["issue"].(map[string]any)
	issue["number"] = opts.Issue
	kind := "issues"
	issueAPI := fmt.Sprintf("%s/repos/%s/issues/%d", api, opts.Repo, opts.Issue)
	issue["url"] = issueAPI
	issue["repository_url"] = api + "/repos/" + opts.Repo
	issue["comments_url"] = issueAPI + "/comments"
	if opts.IsPull {
		kind = "pull"
		issue["pull_request"] = map[string]any{
			"url":       fmt.Sprintf("%s/repos/%s/pulls/%d", api, opts.Repo, opts.Issue),
			"html_url":  fmt.Sprintf("%s/%s/pull/%d", web, opts.Repo, opts.Issue),
			"diff_url":  fmt.Sprintf("%s/%s/pull/%d.diff", web, opts.Repo, opts.Issue),
			"patch_url": fmt.Sprintf("%s/%s/pull/%d.patch", web, opts.Repo, opts.Issue),
			"merged_at": nil,
		}
	} else {
		delete(issue, "pull_request")
	}
	issue["html_url"] = fmt.Sprintf("%s/%s/%s/%d", web, opts.Repo, kind, opts.Issue)

	comment := p["comment"].(map[string]any)
	comment["id"] = opts.CommentID
	comment["node_id"] = fmt.Sprintf("IC_%d", opts.CommentID)
	comment["body"] = opts.Body
	comment["url"] = fmt.Sprintf("%s/repos/%s/issues/comments/%d", api, opts.Repo, opts.CommentID)
	comment["html_url"] = fmt.Sprintf("%s/%s/%s/%d#issuecomment-%d", web, opts.Repo, kind, opts.Issue, opts.CommentID)
	comment["issue_url"] = issueAPI
	for _, u := range []map[string]any{comment["user"].(map[string]any), p["sender"].(map[string]any)} {
		u["login"] = opts.User
		u["type"] = opts.UserType
		u["url"] = api + "/users/" + opts.User
		u["html_url"] = web + "/" + opts.User
	}
	p["installation"].(map[string]any)["id"] = opts.InstallationID
	if org, ok := p["organization"].(map[string]any); ok {
		org["login"] = owner
	}
	data, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("testenv: failed to encode issue_comment payload: %v", err))
	}
	return data
}

// CommentEvent records a comment by opts.User on the fake GitHub (so reactions to it and
// listings see it) and returns its issue_comment webhook body. Empty CloneURL, DefaultBranch,
// IsPull and InstallationID are taken from the fake's state.
func (gh *GitHub) CommentEvent(opts CommentOpts) []byte {
	if opts.User == "" {
		opts.User = "octocat"
	}
	if opts.CommentID == 0 {
		opts.CommentID = commentIDs.Add(1)
	}
	gh.mu.Lock()
	r := gh.repo(opts.Repo)
	if opts.CloneURL == "" {
		opts.CloneURL = r.CloneURL
	}
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = r.DefaultBranch
	}
	if is := r.issues[opts.Issue]; is != nil && is.Pull != nil {
		opts.IsPull = true
	}
	if opts.InstallationID == 0 {
		opts.InstallationID = gh.InstallationID
	}
	opts.APIURL, opts.WebURL = gh.URL(), gh.WebURL()
	switch opts.Action {
	case "", "created":
		c := gh.addComment(opts.Repo, opts.Issue, opts.User, opts.Body, opts.CommentID)
		opts.UserType = c.UserType
	case "edited":
		if c := gh.comments[opts.CommentID]; c != nil {
			c.Body = opts.Body
			c.UpdatedAt = time.Now().UTC()
		}
	case "deleted":
		delete(gh.comments, opts.CommentID)
	}
	gh.mu.Unlock()
	return IssueComment(opts)
}

// Sign returns the X-Hub-Signature-256 value of body: "sha256=" + hex HMAC-SHA256.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// PostWebhook delivers body to url as GitHub does: X-GitHub-Event, a random
// X-GitHub-Delivery, X-Hub-Signature-256 signed with secret, and Content-Type application/json.
func PostWebhook(url, secret, event string, body []byte) (*http.Response, error) {
	return PostWebhookDelivery(url, secret, event, newDeliveryID(), body)
}

// PostWebhookDelivery is PostWebhook with the X-GitHub-Delivery id given, as when GitHub
// redelivers a delivery.
func PostWebhookDelivery(url, secret, event, deliveryID string, body []byte) (*http.Response, error) {
	req, err := webhookRequest(url, secret, event, deliveryID, body)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("failed to post %s webhook: %w", event, err)
	}
	return resp, nil
}

// webhookRequest is the request GitHub makes to deliver body: its headers, and signed with secret.
func webhookRequest(url, secret, event, deliveryID string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("failed to build %s webhook request: %w", event, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/testenv")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", deliveryID)
	req.Header.Set("X-GitHub-Hook-ID", "1")
	req.Header.Set("X-Hub-Signature-256", Sign(secret, body))
	return req, nil
}

func newDeliveryID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
