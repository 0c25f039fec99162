package githubclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// Limits of an annotation's fields (GitHub: a title of 255 characters, a message and raw
// details of 64 KB).
const (
	maxAnnotationTitle = 255
	maxAnnotationText  = 64 << 10
)

// CreateCheckRun creates check run run on run.HeadSHA and returns it. Its output is cut to
// GitHub's limits (see CheckOutput); its annotations go MaxAnnotationsPerRun per request, the
// first batch with the creation and the others in updates, and a run asked to complete is
// completed by the last request only, so it never shows completed with part of its
// annotations.
func (i *Installation) CreateCheckRun(ctx context.Context, repo Repo, run CheckRun) (CheckRunRef, error) {
	if err := run.check(true); err != nil {
		return CheckRunRef{}, fmt.Errorf("failed to create check run %q on %s@%s: %w", run.Name, repo.FullName(), short(run.HeadSHA), err)
	}
	batches := run.batches()
	first := run
	if len(batches) > 1 && run.completes() {
		first.Status, first.Conclusion, first.CompletedAt = CheckInProgress, "", time.Time{}
	}
	opts := github.CreateCheckRunOptions{Name: run.Name, HeadSHA: run.HeadSHA}
	opts.DetailsURL, opts.ExternalID, opts.Status, opts.Conclusion = optional(first.DetailsURL), optional(first.ExternalID), optional(first.Status), optional(first.Conclusion)
	opts.StartedAt, opts.CompletedAt = timestamp(first.StartedAt), first.completedAt()
	opts.Output = run.Output.request(batches[0])
	cr, _, err := i.client.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, opts)
	if err != nil {
		return CheckRunRef{}, fmt.Errorf("failed to create check run %q on %s@%s: %w", run.Name, repo.FullName(), short(run.HeadSHA), err)
	}
	ref := CheckRunRef{ID: cr.GetID(), HTMLURL: cr.GetHTMLURL()}
	if len(batches) > 1 {
		rest := run
		rest.StartedAt = time.Time{}
		if err := i.updateBatches(ctx, repo, ref.ID, rest, batches[1:]); err != nil {
			return ref, err
		}
	}
	return ref, nil
}

// UpdateCheckRun updates check run id with what run sets (Name is required: GitHub renames a
// run to what an update names it; HeadSHA is ignored). Annotations are appended to the run's
// (GitHub keeps those of earlier requests), MaxAnnotationsPerRun per request; a run asked to
// complete is completed by the last request.
func (i *Installation) UpdateCheckRun(ctx context.Context, repo Repo, id int64, run CheckRun) error {
	if err := run.check(false); err != nil {
		return fmt.Errorf("failed to update check run %d (%q) of %s: %w", id, run.Name, repo.FullName(), err)
	}
	return i.updateBatches(ctx, repo, id, run, run.batches())
}

// updateBatches sends one update per batch of annotations: the run's fields other than its
// completion with each, its completion with the last.
func (i *Installation) updateBatches(ctx context.Context, repo Repo, id int64, run CheckRun, batches [][]Annotation) error {
	for n, batch := range batches {
		last := n == len(batches)-1
		opts := github.UpdateCheckRunOptions{Name: run.Name, DetailsURL: optional(run.DetailsURL), ExternalID: optional(run.ExternalID)}
		if last || !run.completes() {
			opts.Status, opts.Conclusion, opts.CompletedAt = optional(run.Status), optional(run.Conclusion), run.completedAt()
		}
		opts.Output = run.Output.request(batch)
		if _, _, err := i.client.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, id, opts); err != nil {
			what := "update"
			if len(batches) > 1 {
				what = fmt.Sprintf("update (annotations %d of %d batches)", n+1, len(batches))
			}
			return fmt.Errorf("failed to %s check run %d (%q) of %s: %w", what, id, run.Name, repo.FullName(), err)
		}
	}
	return nil
}

// CheckRuns lists the check runs named name (all when "") on commit sha, the latest of each
// name first as GitHub lists them; appID limits them to one app's (0: any app's).
func (i *Installation) CheckRuns(ctx context.Context, repo Repo, sha, name string, appID int64) ([]CheckRunState, error) {
	opts := &github.ListCheckRunsOptions{CheckName: optional(name), ListOptions: github.ListOptions{PerPage: 100}}
	if appID != 0 {
		opts.AppID = &appID
	}
	var out []CheckRunState
	for {
		page, resp, err := i.client.Checks.ListCheckRunsForRef(ctx, repo.Owner, repo.Name, sha, opts)
		if err != nil {
			return nil, fmt.Errorf("failed to list the check runs of %s@%s: %w", repo.FullName(), short(sha), err)
		}
		for _, cr := range page.CheckRuns {
			out = append(out, CheckRunState{
				ID: cr.GetID(), Name: cr.GetName(), HeadSHA: cr.GetHeadSHA(), Status: cr.GetStatus(), Conclusion: cr.GetConclusion(),
				ExternalID: cr.GetExternalID(), AppID: cr.GetApp().GetID(), HTMLURL: cr.GetHTMLURL(),
			})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// errCheckRun says what GitHub would refuse in a check run, before sending it.
var errCheckRun = errors.New("invalid check run")

func (r CheckRun) check(create bool) error {
	switch {
	case r.Name == "":
		return fmt.Errorf("%w: it has no name", errCheckRun)
	case create && r.HeadSHA == "":
		return fmt.Errorf("%w: it names no head commit", errCheckRun)
	case r.Status == CheckCompleted && r.Conclusion == "":
		return fmt.Errorf("%w: a completed run needs a conclusion", errCheckRun)
	case r.Conclusion != "" && r.Status != "" && r.Status != CheckCompleted:
		return fmt.Errorf("%w: conclusion %q with status %q (a conclusion completes the run)", errCheckRun, r.Conclusion, r.Status)
	case r.Output != nil && r.Output.Summary == "":
		return fmt.Errorf("%w: its output has no summary", errCheckRun)
	}
	if r.Output != nil {
		for n, a := range r.Output.Annotations {
			if a.Path == "" || a.StartLine < 1 || a.Message == "" {
				return fmt.Errorf("%w: annotation %d needs a path, a start line from 1 and a message", errCheckRun, n+1)
			}
		}
	}
	return nil
}

// completes says whether the run asks to be completed.
func (r CheckRun) completes() bool { return r.Status == CheckCompleted || r.Conclusion != "" }

func (r CheckRun) completedAt() *github.Timestamp {
	if r.Conclusion == "" {
		return nil
	}
	if r.CompletedAt.IsZero() {
		return &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	}
	return timestamp(r.CompletedAt)
}

// batches splits the annotations into the requests that carry them: always at least one
// (maybe empty) batch.
func (r CheckRun) batches() [][]Annotation {
	if r.Output == nil || len(r.Output.Annotations) == 0 {
		return [][]Annotation{nil}
	}
	var out [][]Annotation
	all := r.Output.Annotations
	for len(all) > 0 {
		n := min(len(all), MaxAnnotationsPerRun)
		out = append(out, all[:n])
		all = all[n:]
	}
	return out
}

// request is the output GitHub is sent, with batch as its annotations; nil for no output.
func (o *CheckOutput) request(batch []Annotation) *github.CheckRunOutput {
	if o == nil {
		return nil
	}
	out := &github.CheckRunOutput{
		Title:   github.String(CutText(o.Title, MaxCheckText, "")),
		Summary: github.String(CutText(o.Summary, MaxCheckText, o.Link)),
	}
	if o.Text != "" {
		out.Text = github.String(CutText(o.Text, MaxCheckText, o.Link))
	}
	for _, a := range batch {
		out.Annotations = append(out.Annotations, a.request())
	}
	return out
}

func (a Annotation) request() *github.CheckRunAnnotation {
	end := a.EndLine
	if end < a.StartLine {
		end = a.StartLine
	}
	level := a.Level
	if level == "" {
		level = AnnotationFailure
	}
	out := &github.CheckRunAnnotation{
		Path: github.String(a.Path), StartLine: github.Int(a.StartLine), EndLine: github.Int(end),
		AnnotationLevel: github.String(level), Message: github.String(cutBytes(a.Message, maxAnnotationText)),
	}
	// GitHub takes columns only within one line.
	if end == a.StartLine && a.StartColumn > 0 {
		out.StartColumn = github.Int(a.StartColumn)
		if a.EndColumn >= a.StartColumn {
			out.EndColumn = github.Int(a.EndColumn)
		}
	}
	if a.Title != "" {
		out.Title = github.String(CutText(a.Title, maxAnnotationTitle, ""))
	}
	if a.RawDetails != "" {
		out.RawDetails = github.String(cutBytes(a.RawDetails, maxAnnotationText))
	}
	return out
}

// CutText returns s when it has at most limit characters (and bytes: GitHub's limits are
// counted either way, so both are kept); otherwise as much of s as fits, cut at a line end
// when one is near, a closing ``` when the kept part leaves a code fence open, a "…" line,
// and link (when not ""), all within limit.
func CutText(s string, limit int, link string) string {
	if len(s) <= limit {
		return s
	}
	tail := "\n…"
	if link != "" {
		tail += "\n\n" + link
	}
	room := limit - len(tail)
	if room <= 0 {
		return cutBytes(link, limit)
	}
	kept := cutAtLine(s, room)
	if openFence(kept) {
		kept = cutAtLine(kept, room-len("\n```"))
		if openFence(kept) {
			kept += "\n```"
		}
	}
	return kept + tail
}

// cutAtLine cuts s to at most n bytes, at the last line end when one is in the last 512 bytes.
func cutAtLine(s string, n int) string {
	kept := cutBytes(s, max(0, n))
	if len(kept) == len(s) || s[len(kept)] == '\n' {
		return kept // whole lines already
	}
	if nl := strings.LastIndexByte(kept, '\n'); nl > 0 && nl > len(kept)-512 {
		kept = kept[:nl]
	}
	return kept
}

// openFence says whether s leaves a ``` code fence open.
func openFence(s string) bool {
	open := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			open = !open
		}
	}
	return open
}

// cutBytes cuts s to at most n bytes, at a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timestamp(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t.UTC().Truncate(time.Second)}
}

// short is a commit's first 7 characters, for messages.
func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
