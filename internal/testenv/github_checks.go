package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

func init() {
	handlers["checks/create"] = (*GitHub).createCheckRun
	handlers["checks/update"] = (*GitHub).updateCheckRun
	handlers["checks/get"] = (*GitHub).getCheckRun
	handlers["checks/list-for-ref"] = (*GitHub).listCheckRuns
}

// CheckRunRecord is a check run held by the fake GitHub, as the requests made it.
type CheckRunRecord struct {
	ID          int64
	Repo        string // full name
	HeadSHA     string
	Name        string
	Status      string // queued, in_progress, completed
	Conclusion  string // "" until completed
	DetailsURL  string
	ExternalID  string
	Title       string
	Summary     string
	Text        string
	Annotations []CheckAnnotation // of every request, appended as GitHub does
	// History is the run's status after each request, in order: "queued", "in_progress",
	// "completed/success"...
	History     []string
	Requests    int // the create and every update
	MaxBatch    int // the most annotations one request carried
	StartedAt   time.Time
	CompletedAt time.Time
}

// CheckAnnotation is an annotation of a check run.
type CheckAnnotation struct {
	Path                   string
	StartLine, EndLine     int
	StartColumn, EndColumn int
	Level                  string
	Message, Title         string
	RawDetails             string
}

// CheckRuns returns the check runs on commit sha of repo ("" for every commit), oldest first.
func (gh *GitHub) CheckRuns(repo, sha string) []CheckRunRecord {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var out []CheckRunRecord
	for _, cr := range gh.checkRuns {
		if strings.EqualFold(cr.Repo, repo) && (sha == "" || cr.HeadSHA == sha) {
			out = append(out, cr.copy())
		}
	}
	return out
}

// CheckRunNamed returns the latest check run named name on commit sha of repo, and whether
// there is one.
func (gh *GitHub) CheckRunNamed(repo, sha, name string) (CheckRunRecord, bool) {
	runs := gh.CheckRuns(repo, sha)
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Name == name {
			return runs[i], true
		}
	}
	return CheckRunRecord{}, false
}

func (cr *CheckRunRecord) copy() CheckRunRecord {
	c := *cr
	c.Annotations = append([]CheckAnnotation(nil), cr.Annotations...)
	c.History = append([]string(nil), cr.History...)
	return c
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// checkRunInput is a create or update request's body.
type checkRunInput struct {
	Name        *string `json:"name"`
	HeadSHA     string  `json:"head_sha"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       *string `json:"title"`
		Summary     *string `json:"summary"`
		Text        *string `json:"text"`
		Annotations []struct {
			Path        string  `json:"path"`
			StartLine   int     `json:"start_line"`
			EndLine     int     `json:"end_line"`
			StartColumn *int    `json:"start_column"`
			EndColumn   *int    `json:"end_column"`
			Level       string  `json:"annotation_level"`
			Message     string  `json:"message"`
			Title       *string `json:"title"`
			RawDetails  *string `json:"raw_details"`
		} `json:"annotations"`
	} `json:"output"`
}

// refuseCheckRun records a violation and answers 422 as GitHub does.
func (gh *GitHub) refuseCheckRun(c *call, why string) {
	gh.violation(c.r.Method+" "+strings.TrimPrefix(c.r.URL.Path, apiPrefix), why)
	gh.respond(c, http.StatusUnprocessableEntity, map[string]any{
		"message": "Invalid request.\n\n" + why, "documentation_url": "https://docs.github.com/rest/checks/runs",
	})
}

// checkRunProblem says what GitHub refuses in a check run request beyond the schema.
func checkRunProblem(in *checkRunInput) string {
	status, conclusion := "", ""
	if in.Status != nil {
		status = *in.Status
	}
	if in.Conclusion != nil {
		conclusion = *in.Conclusion
	}
	switch {
	case status == "completed" && conclusion == "":
		return "a conclusion is required when status is completed"
	case in.CompletedAt != nil && conclusion == "":
		return "a conclusion is required when completed_at is given"
	case conclusion == "stale":
		return "conclusion stale is set by GitHub only"
	case conclusion != "" && status != "" && status != "completed":
		return fmt.Sprintf("conclusion %s with status %s: a conclusion completes the run", conclusion, status)
	}
	if in.Output != nil {
		for i, a := range in.Output.Annotations {
			switch {
			case a.StartLine < 1 || a.EndLine < a.StartLine:
				return fmt.Sprintf("annotation %d: lines %d-%d (from 1, end not before start)", i, a.StartLine, a.EndLine)
			case (a.StartColumn != nil || a.EndColumn != nil) && a.StartLine != a.EndLine:
				return fmt.Sprintf("annotation %d: columns are allowed only when start_line equals end_line", i)
			case a.Title != nil && len([]rune(*a.Title)) > 255:
				return fmt.Sprintf("annotation %d: title longer than 255 characters", i)
			case len(a.Message) > 64<<10 || (a.RawDetails != nil && len(*a.RawDetails) > 64<<10):
				return fmt.Sprintf("annotation %d: message or raw_details larger than 64 KB", i)
			}
		}
	}
	return ""
}

func decodeInput(c *call, v any) error {
	data, err := json.Marshal(c.body)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// apply sets what in sets on cr; call with gh.mu held.
func (cr *CheckRunRecord) apply(in *checkRunInput) {
	cr.Requests++
	if in.Name != nil {
		cr.Name = *in.Name
	}
	if in.DetailsURL != nil {
		cr.DetailsURL = *in.DetailsURL
	}
	if in.ExternalID != nil {
		cr.ExternalID = *in.ExternalID
	}
	if in.Status != nil {
		cr.Status = *in.Status
	}
	if in.StartedAt != nil {
		cr.StartedAt, _ = time.Parse(time.RFC3339, *in.StartedAt)
	}
	if in.Conclusion != nil {
		cr.Status, cr.Conclusion = "completed", *in.Conclusion
		cr.CompletedAt = time.Now().UTC()
		if in.CompletedAt != nil {
			cr.CompletedAt, _ = time.Parse(time.RFC3339, *in.CompletedAt)
		}
	}
	if o := in.Output; o != nil {
		if o.Title != nil {
			cr.Title = *o.Title
		}
		if o.Summary != nil {
			cr.Summary = *o.Summary
		}
		if o.Text != nil {
			cr.Text = *o.Text
		}
		cr.MaxBatch = max(cr.MaxBatch, len(o.Annotations))
		for _, a := range o.Annotations {
			an := CheckAnnotation{Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine, Level: a.Level, Message: a.Message}
			if a.StartColumn != nil {
				an.StartColumn = *a.StartColumn
			}
			if a.EndColumn != nil {
				an.EndColumn = *a.EndColumn
			}
			if a.Title != nil {
				an.Title = *a.Title
			}
			if a.RawDetails != nil {
				an.RawDetails = *a.RawDetails
			}
			cr.Annotations = append(cr.Annotations, an)
		}
	}
	state := cr.Status
	if cr.Status == "completed" {
		state += "/" + cr.Conclusion
	}
	cr.History = append(cr.History, state)
}

// checkRunInputOf decodes the body of a check run's create or update as GitHub checks it: only
// a GitHub App may write check runs (a personal access token gets 403), and the body must
// keep the API's status, conclusion and annotation rules. It answers the request itself
// when it returns false.
func (gh *GitHub) checkRunInputOf(c *call) (*checkRunInput, bool) {
	if !c.who.Inst {
		gh.errorJSON(c.w, http.StatusForbidden, "You must authenticate via a GitHub App.")
		return nil, false
	}
	var in checkRunInput
	if err := decodeInput(c, &in); err != nil {
		gh.errorJSON(c.w, http.StatusBadRequest, "Problems parsing JSON")
		return nil, false
	}
	if why := checkRunProblem(&in); why != "" {
		gh.refuseCheckRun(c, why)
		return nil, false
	}
	return &in, true
}

// createCheckRun creates a check run as GitHub does: only a GitHub App may (a personal access
// token gets 403), on a commit of the repository, with the status and conclusion rules of the
// API and at most 50 annotations (the schema's limit).
func (gh *GitHub) createCheckRun(c *call) {
	in, ok := gh.checkRunInputOf(c)
	if !ok {
		return
	}
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	if !gh.commitExists(r, in.HeadSHA) {
		gh.mu.Unlock()
		gh.violation(c.r.Method+" "+strings.TrimPrefix(c.r.URL.Path, apiPrefix), "head_sha "+in.HeadSHA+" is not a commit of "+r.fullName())
		gh.respond(c, http.StatusUnprocessableEntity, map[string]any{"message": "No commit found for SHA: " + in.HeadSHA, "documentation_url": "https://docs.github.com/rest/checks/runs#create-a-check-run"})
		return
	}
	cr := &CheckRunRecord{ID: gh.id(), Repo: r.fullName(), HeadSHA: in.HeadSHA, Status: "queued", StartedAt: time.Now().UTC()}
	cr.apply(in)
	gh.checkRuns = append(gh.checkRuns, cr)
	o := gh.checkRunObj(r, cr)
	gh.mu.Unlock()
	gh.respond(c, http.StatusCreated, o)
}

// commitExists says whether sha is a commit of r on the git server (any 40-hex SHA without
// one); call with gh.mu held.
func (gh *GitHub) commitExists(r *ghRepo, sha string) bool {
	if !hexSHA.MatchString(sha) {
		return false
	}
	if gh.gs == nil {
		return true
	}
	_, err := gh.gs.git(gh.gs.RepoDir(r.fullName()), nil, "cat-file", "-e", sha+"^{commit}")
	return err == nil
}

// checkRun finds the path's check run in the path's repository; it writes 404 otherwise.
// It returns with gh.mu held when it succeeds.
func (gh *GitHub) checkRun(c *call) (*ghRepo, *CheckRunRecord) {
	r := gh.lookupRepo(c)
	if r == nil {
		return nil, nil
	}
	id := c.intParam("check_run_id")
	for _, cr := range gh.checkRuns {
		if cr.ID == id && strings.EqualFold(cr.Repo, r.fullName()) {
			return r, cr
		}
	}
	gh.mu.Unlock()
	gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
	return nil, nil
}

func (gh *GitHub) updateCheckRun(c *call) {
	in, ok := gh.checkRunInputOf(c)
	if !ok {
		return
	}
	r, cr := gh.checkRun(c)
	if cr == nil {
		return
	}
	cr.apply(in)
	o := gh.checkRunObj(r, cr)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

func (gh *GitHub) getCheckRun(c *call) {
	r, cr := gh.checkRun(c)
	if cr == nil {
		return
	}
	o := gh.checkRunObj(r, cr)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// listCheckRuns lists the check runs of a commit (a SHA, or a branch resolved on the git
// server), newest first; filter=latest (the default) keeps the newest of each name.
func (gh *GitHub) listCheckRuns(c *call) {
	q := c.r.URL.Query()
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
	var all []*CheckRunRecord
	seen := map[string]bool{}
	for i := len(gh.checkRuns) - 1; i >= 0; i-- {
		cr := gh.checkRuns[i]
		if !strings.EqualFold(cr.Repo, r.fullName()) || cr.HeadSHA != sha {
			continue
		}
		if name := q.Get("check_name"); name != "" && cr.Name != name {
			continue
		}
		if st := q.Get("status"); st != "" && cr.Status != st {
			continue
		}
		if app := q.Get("app_id"); app != "" && app != fmt.Sprint(gh.AppID) {
			continue
		}
		if q.Get("filter") != "all" {
			if seen[cr.Name] {
				continue
			}
			seen[cr.Name] = true
		}
		all = append(all, cr)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID > all[j].ID })
	lo, hi := gh.paginate(c, len(all))
	list := []any{}
	for _, cr := range all[lo:hi] {
		list = append(list, gh.checkRunObj(r, cr))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, map[string]any{"total_count": len(all), "check_runs": list})
}

// checkRunObj is a check run as the API shows it; call with gh.mu held.
func (gh *GitHub) checkRunObj(r *ghRepo, cr *CheckRunRecord) map[string]any {
	api := fmt.Sprintf("%srepos/%s/check-runs/%d", gh.URL(), r.fullName(), cr.ID)
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var completed any
	if cr.Status == "completed" {
		completed = ts(cr.CompletedAt)
	}
	details := cr.DetailsURL
	if details == "" {
		details = gh.WebURL() // GitHub: the app's homepage
	}
	prs := []any{}
	for _, is := range r.issues {
		if p := is.Pull; p != nil && is.State == "open" && p.HeadSHA == cr.HeadSHA && p.HeadRepo == "" {
			repoRef := map[string]any{"id": r.ID, "url": gh.URL() + "repos/" + r.fullName(), "name": r.Name}
			prs = append(prs, map[string]any{
				"id": is.ID, "number": is.Number, "url": fmt.Sprintf("%srepos/%s/pulls/%d", gh.URL(), r.fullName(), is.Number),
				"head": map[string]any{"ref": p.HeadRef, "sha": p.HeadSHA, "repo": repoRef},
				"base": map[string]any{"ref": p.BaseRef, "sha": gh.branchSHA(r, p.BaseRef), "repo": repoRef},
			})
		}
	}
	return map[string]any{
		"id": cr.ID, "node_id": fmt.Sprintf("CR_%d", cr.ID), "head_sha": cr.HeadSHA, "name": cr.Name,
		"external_id": cr.ExternalID, "url": api, "html_url": fmt.Sprintf("%s/%s/runs/%d", gh.WebURL(), r.fullName(), cr.ID),
		"details_url": details, "status": cr.Status, "conclusion": nullable(cr.Conclusion),
		"started_at": ts(cr.StartedAt), "completed_at": completed,
		"output": map[string]any{
			"title": nullable(cr.Title), "summary": nullable(cr.Summary), "text": nullable(cr.Text),
			"annotations_count": len(cr.Annotations), "annotations_url": api + "/annotations",
		},
		"check_suite": map[string]any{"id": cr.ID + 1_000_000}, "app": gh.appObj(), "pull_requests": prs,
	}
}

// branchSHA is the commit branch points at on the git server; zeros without one. Call with
// gh.mu held.
func (gh *GitHub) branchSHA(r *ghRepo, branch string) string {
	if gh.gs != nil {
		if sha, err := gh.gs.Head(r.fullName(), "refs/heads/"+branch); err == nil {
			return sha
		}
	}
	return strings.Repeat("0", 40)
}
