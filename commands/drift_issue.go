package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// A deployment's drift tracking issue (issue 12), for deployments whose registry entry sets
// driftIssue: opened in its repository when drift detection finds it drifted, edited with
// the current diff while it drifts, closed when it is in sync again (ops.DriftIssueStep).
// Rigel finds its issue again by a marker signed for the repository and the deployment,
// among the open issues Rigel itself opened: a copied marker in someone else's issue, or an
// edited one, is not Rigel's.

// markerDriftIssue is the kind of the drift issue's marker.
const markerDriftIssue = "drift-issue"

// driftIssueMarker is the signed marker of deployment's tracking issue in repo.
func driftIssueMarker(key []byte, repo, deployment string) string {
	m := marker{Kind: markerDriftIssue, Deployment: deployment}
	return fmt.Sprintf("<!-- rigel:%s deployment=%s mac=%s -->", markerDriftIssue, deployment, markerMAC(key, conversation{Repo: repo}, m))
}

// DriftIssues is the drift sweep's Each (ops.DriftSweep): it keeps each checked deployment's
// tracking issue, through the GitHub of the deployment's installation. Failures are logged:
// the next sweep tries again.
func (r *Runner) DriftIssues(forInstallation func(int64) (ops.Forge, error)) func(context.Context, config.Repo, config.Deployment, *ops.DriftReport) {
	return func(ctx context.Context, repo config.Repo, dep config.Deployment, rep *ops.DriftReport) {
		if !dep.DriftIssue {
			return
		}
		log := zerolog.Ctx(ctx).With().Str("deployment", dep.Name).Str("repo", repo.Repo).Logger()
		if err := r.trackDrift(ctx, forInstallation, repo, dep, rep); err != nil {
			log.Warn().Err(err).Msg("failed to update the drift tracking issue; trying again at the next check")
		}
	}
}

func (r *Runner) trackDrift(ctx context.Context, forInstallation func(int64) (ops.Forge, error), repo config.Repo, dep config.Deployment, rep *ops.DriftReport) error {
	f, err := forInstallation(repo.InstallationID)
	if err != nil {
		return err
	}
	issues, ok := f.(ops.IssueForge)
	if !ok {
		return fmt.Errorf("the GitHub client of %s cannot keep issues", repo.Repo)
	}
	owner, name, _ := strings.Cut(repo.Repo, "/")
	gr := ops.Repo{Owner: owner, Name: name, DefaultBranch: repo.Branch, CloneURL: repo.CloneURL, Installation: repo.InstallationID}
	mark := driftIssueMarker(r.markerKey(), repo.Repo, dep.Name)
	open, err := issues.FindIssues(ctx, gr, r.BotLogin)
	if err != nil {
		return err
	}
	var mine *ops.Issue
	for i := range open {
		if hasLine(open[i].Body, mark) {
			mine = &open[i]
			break
		}
	}
	log := zerolog.Ctx(ctx)
	switch ops.DriftIssueStep(dep, rep, mine != nil) {
	case ops.IssueOpen:
		is, err := issues.OpenIssue(ctx, gr, driftIssueTitle(dep.Name), driftIssueBody(repo, dep, rep, mark))
		if err != nil {
			return err
		}
		log.Info().Str("deployment", dep.Name).Int("issue", is.Number).Msg("drift tracking issue opened")
	case ops.IssueEdit:
		if body := driftIssueBody(repo, dep, rep, mark); body != mine.Body {
			return issues.EditIssue(ctx, gr, mine.Number, body, "")
		}
	case ops.IssueClose:
		if err := issues.EditIssue(ctx, gr, mine.Number, driftGoneBody(dep, rep, mark), "closed"); err != nil {
			return err
		}
		log.Info().Str("deployment", dep.Name).Int("issue", mine.Number).Msg("drift tracking issue closed")
	}
	return nil
}

// hasLine says whether line is one of body's lines.
func hasLine(body, line string) bool {
	for _, l := range strings.Split(body, "\n") {
		if strings.TrimRight(l, "\r") == line {
			return true
		}
	}
	return false
}

func driftIssueTitle(deployment string) string {
	return fmt.Sprintf("Rigel: deployment %s drifted from git", deployment)
}

// maxDriftDiff bounds the diff an issue body carries (GitHub takes 65536 characters).
const maxDriftDiff = 60000

// driftIssueBody is the tracking issue of a drifted deployment: what drifted, the diff of
// what re-applying its last synced commit would change, and what to do. Only mark stays an
// HTML comment; the check time is left out, so that an unchanged drift edits nothing.
func driftIssueBody(repo config.Repo, dep config.Deployment, rep *ops.DriftReport, mark string) string {
	pv := &ops.Preview{Plan: rep.Plan, Target: ops.BranchTarget(repo.Branch).At(rep.Commit)}
	diff := strings.ReplaceAll(renderPlan(repo.Repo, pv, false), blockSep, "\n\n")
	if len(diff) > maxDriftDiff {
		diff = strings.ToValidUTF8(diff[:maxDriftDiff], "") + "\n\n… (cut: run `/rigel diff " + dep.Name + "` for the whole diff)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Deployment %s drifted from git:** re-applying its last synced commit %s would create %d and update %d object%s. Someone or something changed the cluster outside Rigel.\n\n",
		code(dep.Name), code(shortSHA(rep.Commit)), rep.Create, rep.Update, plural(rep.Update))
	fmt.Fprintf(&b, "Rigel checks again at every drift interval, keeps this issue to the current diff and closes it when the drift is gone. Drift detection applies nothing.\n\n")
	fmt.Fprintf(&b, "<details><summary>What re-applying %s would change</summary>\n\n%s\n\n</details>\n\n", code(shortSHA(rep.Commit)), diff)
	fmt.Fprintf(&b, "**Next:** `/rigel sync %s` in an issue of this repository previews restoring git's state (then `/rigel apply %s`), or commit the change to git.", dep.Name, dep.Name)
	return inert(b.String()) + "\n\n" + mark + "\n"
}

// driftGoneBody is the tracking issue once the deployment is in sync again.
func driftGoneBody(dep config.Deployment, rep *ops.DriftReport, mark string) string {
	body := fmt.Sprintf("**Drift of %s is gone:** the cluster matches its last synced commit %s again (checked %s). Rigel closed this issue; it opens a new one if the deployment drifts again.",
		code(dep.Name), code(shortSHA(rep.Commit)), rep.CheckedAt.UTC().Format(time.RFC3339))
	return inert(body) + "\n\n" + mark + "\n"
}
