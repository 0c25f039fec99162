package testenv

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// GitHub Deployments and their statuses (issue 12, notifications), as
// ../shared/github/rest-api-subset.json describes them.

func init() {
	handlers["repos/create-deployment"] = (*GitHub).createDeployment
	handlers["repos/list-deployments"] = (*GitHub).listDeployments
	handlers["repos/create-deployment-status"] = (*GitHub).createDeploymentStatus
	handlers["repos/list-deployment-statuses"] = (*GitHub).listDeploymentStatuses
}

// DeploymentRecord is a GitHub Deployment created through the API, with its statuses.
type DeploymentRecord struct {
	ID          int64
	Repo        string
	SHA         string
	Ref         string
	Task        string
	Environment string
	Description string
	Payload     any
	Creator     string
	CreatedAt   time.Time
	Statuses    []DeploymentStatusRecord // oldest first
}

// DeploymentStatusRecord is a status of a deployment.
type DeploymentStatusRecord struct {
	ID          int64
	State       string
	Description string
	LogURL      string
	Environment string
	Creator     string
	CreatedAt   time.Time
}

// LatestState is the state of the deployment's newest status ("" when it has none).
func (d DeploymentRecord) LatestState() string {
	if len(d.Statuses) == 0 {
		return ""
	}
	return d.Statuses[len(d.Statuses)-1].State
}

// deploymentsState is the fake's record of deployments; a field of GitHub.
type deploymentsState struct {
	list []*DeploymentRecord // oldest first
}

// Deployments returns copies of the deployments of repo, oldest first.
func (gh *GitHub) Deployments(repo string) []DeploymentRecord {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var out []DeploymentRecord
	for _, d := range gh.deploys.list {
		if strings.EqualFold(d.Repo, repo) {
			c := *d
			c.Statuses = slices.Clone(d.Statuses)
			out = append(out, c)
		}
	}
	return out
}

// createDeployment creates a deployment as GitHub does: ref resolved to a commit of the
// repository (422 otherwise); without required_contexts every commit status must be success
// (409 otherwise, as GitHub checks them); environment "production" unless given.
func (gh *GitHub) createDeployment(c *call) {
	m, _ := c.body.(map[string]any)
	where := c.r.Method + " " + strings.TrimPrefix(c.r.URL.Path, apiPrefix)
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	ref := c.bodyString("ref")
	sha := ref
	if !hexSHA.MatchString(ref) && gh.gs != nil {
		if s, err := gh.gs.Head(r.fullName(), strings.TrimPrefix(ref, "refs/heads/")); err == nil {
			sha = s
		}
	}
	if !gh.commitExists(r, sha) {
		gh.mu.Unlock()
		gh.violation(where, "ref "+ref+" is not a commit of "+r.fullName())
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{"message": "No ref found for: " + ref, "documentation_url": "https://docs.github.com/rest/deployments/deployments#create-a-deployment"})
		return
	}
	if _, given := m["required_contexts"]; !given {
		for _, s := range gh.latestStatusesLocked(r.fullName(), sha) {
			if s.State != "success" {
				gh.mu.Unlock()
				gh.respond(c, http.StatusConflict, map[string]any{"message": "Conflict: Commit status checks failed for " + ref + ".", "documentation_url": "https://docs.github.com/rest/deployments/deployments#create-a-deployment"})
				return
			}
		}
	}
	env := c.bodyString("environment")
	if env == "" {
		env = "production"
	}
	task := c.bodyString("task")
	if task == "" {
		task = "deploy"
	}
	d := &DeploymentRecord{ID: gh.id(), Repo: r.fullName(), SHA: sha, Ref: ref, Task: task, Environment: env,
		Description: c.bodyString("description"), Payload: m["payload"], Creator: c.who.Login, CreatedAt: time.Now().UTC()}
	gh.deploys.list = append(gh.deploys.list, d)
	o := gh.deploymentObj(r, d, c.who)
	gh.mu.Unlock()
	gh.respond(c, http.StatusCreated, o)
}

// latestStatusesLocked is the latest commit status of each context on sha; call with gh.mu held.
func (gh *GitHub) latestStatusesLocked(repo, sha string) []StatusRecord {
	var out []StatusRecord
	seen := map[string]bool{}
	for i := len(gh.statuses) - 1; i >= 0; i-- {
		s := gh.statuses[i]
		if strings.EqualFold(s.Repo, repo) && s.SHA == sha && !seen[strings.ToLower(s.Context)] {
			seen[strings.ToLower(s.Context)] = true
			out = append(out, s)
		}
	}
	return out
}

// listDeployments lists the repository's deployments, newest first, filtered by sha, ref,
// task and environment.
func (gh *GitHub) listDeployments(c *call) {
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	q := c.r.URL.Query()
	var found []*DeploymentRecord
	for i := len(gh.deploys.list) - 1; i >= 0; i-- {
		d := gh.deploys.list[i]
		if !strings.EqualFold(d.Repo, r.fullName()) ||
			(q.Get("sha") != "" && q.Get("sha") != d.SHA) || (q.Get("ref") != "" && q.Get("ref") != d.Ref) ||
			(q.Get("task") != "" && q.Get("task") != d.Task) || (q.Get("environment") != "" && q.Get("environment") != d.Environment) {
			continue
		}
		found = append(found, d)
	}
	lo, hi := gh.paginate(c, len(found))
	list := []any{}
	for _, d := range found[lo:hi] {
		list = append(list, gh.deploymentObj(r, d, &identity{Login: d.Creator}))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}

// createDeploymentStatus adds a status to a deployment: a description of at most 140
// characters; with auto_inactive (the default), a success marks the environment's earlier
// successful deployments inactive, as GitHub does.
func (gh *GitHub) createDeploymentStatus(c *call) {
	m, _ := c.body.(map[string]any)
	where := c.r.Method + " " + strings.TrimPrefix(c.r.URL.Path, apiPrefix)
	desc := c.bodyString("description")
	if n := utf8.RuneCountInString(desc); n > maxStatusDescription {
		gh.violation(where, fmt.Sprintf("deployment status description has %d characters, GitHub allows %d", n, maxStatusDescription))
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest/deployments/statuses#create-a-deployment-status"})
		return
	}
	r, d := gh.deployment(c)
	if d == nil {
		return
	}
	logURL := c.bodyString("log_url")
	if logURL == "" {
		logURL = c.bodyString("target_url")
	}
	env := c.bodyString("environment")
	if env == "" {
		env = d.Environment
	}
	now := time.Now().UTC()
	st := DeploymentStatusRecord{ID: gh.id(), State: c.bodyString("state"), Description: desc, LogURL: logURL, Environment: env, Creator: c.who.Login, CreatedAt: now}
	d.Statuses = append(d.Statuses, st)
	if auto, given := m["auto_inactive"].(bool); st.State == "success" && (!given || auto) {
		for _, o := range gh.deploys.list {
			if o != d && strings.EqualFold(o.Repo, d.Repo) && o.Environment == d.Environment && o.LatestState() == "success" {
				o.Statuses = append(o.Statuses, DeploymentStatusRecord{ID: gh.id(), State: "inactive", Environment: o.Environment, Creator: c.who.Login, CreatedAt: now})
			}
		}
	}
	o := gh.deploymentStatusObj(r, d, st, c.who)
	gh.mu.Unlock()
	gh.respond(c, http.StatusCreated, o)
}

// listDeploymentStatuses lists a deployment's statuses, newest first.
func (gh *GitHub) listDeploymentStatuses(c *call) {
	r, d := gh.deployment(c)
	if d == nil {
		return
	}
	lo, hi := gh.paginate(c, len(d.Statuses))
	list := []any{}
	for i := len(d.Statuses) - 1 - lo; i > len(d.Statuses)-1-hi; i-- {
		s := d.Statuses[i]
		list = append(list, gh.deploymentStatusObj(r, d, s, &identity{Login: s.Creator}))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}

// deployment finds the path's deployment in the path's repository; it writes 404 otherwise.
// It returns with gh.mu held when it succeeds.
func (gh *GitHub) deployment(c *call) (*ghRepo, *DeploymentRecord) {
	r := gh.lookupRepo(c)
	if r == nil {
		return nil, nil
	}
	id := c.intParam("deployment_id")
	for _, d := range gh.deploys.list {
		if d.ID == id && strings.EqualFold(d.Repo, r.fullName()) {
			return r, d
		}
	}
	gh.mu.Unlock()
	gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
	return nil, nil
}

// creatorType is the user type of login: Bot for an app's installation.
func creatorType(who *identity) string {
	if who.Type != "" {
		return who.Type
	}
	if strings.HasSuffix(who.Login, "[bot]") {
		return "Bot"
	}
	return "User"
}

// deploymentObj is a deployment as the API shows it; call with gh.mu held.
func (gh *GitHub) deploymentObj(r *ghRepo, d *DeploymentRecord, who *identity) map[string]any {
	url := fmt.Sprintf("%srepos/%s/deployments/%d", gh.URL(), r.fullName(), d.ID)
	var desc any
	if d.Description != "" {
		desc = d.Description
	}
	payload := d.Payload
	if payload == nil {
		payload = map[string]any{}
	}
	o := map[string]any{
		"url": url, "id": d.ID, "node_id": fmt.Sprintf("DE_%d", d.ID), "sha": d.SHA, "ref": d.Ref, "task": d.Task,
		"payload": payload, "original_environment": d.Environment, "environment": d.Environment, "description": desc,
		"creator": gh.userObj(d.Creator, creatorType(who)), "created_at": ts(d.CreatedAt), "updated_at": ts(d.CreatedAt),
		"statuses_url": url + "/statuses", "repository_url": gh.URL() + "repos/" + r.fullName(),
		"transient_environment": false, "production_environment": d.Environment == "production",
		"performed_via_github_app": nil,
	}
	if strings.HasSuffix(d.Creator, "[bot]") {
		o["performed_via_github_app"] = gh.appObj()
	}
	return o
}

// deploymentStatusObj is a deployment status as the API shows it; call with gh.mu held.
func (gh *GitHub) deploymentStatusObj(r *ghRepo, d *DeploymentRecord, s DeploymentStatusRecord, who *identity) map[string]any {
	durl := fmt.Sprintf("%srepos/%s/deployments/%d", gh.URL(), r.fullName(), d.ID)
	o := map[string]any{
		"url": fmt.Sprintf("%s/statuses/%d", durl, s.ID), "id": s.ID, "node_id": fmt.Sprintf("DES_%d", s.ID),
		"state": s.State, "creator": gh.userObj(s.Creator, creatorType(who)), "description": s.Description,
		"environment": s.Environment, "target_url": s.LogURL, "log_url": s.LogURL, "environment_url": "",
		"created_at": ts(s.CreatedAt), "updated_at": ts(s.CreatedAt), "deployment_url": durl,
		"repository_url": gh.URL() + "repos/" + r.fullName(), "performed_via_github_app": nil,
	}
	if strings.HasSuffix(s.Creator, "[bot]") {
		o["performed_via_github_app"] = gh.appObj()
	}
	return o
}
