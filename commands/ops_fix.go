package commands

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/policy"
)

// FixRequest asks for a fix of a workload that belongs to a registered deployment.
type FixRequest struct {
	Ref        kube.WorkloadRef
	Edits      []fix.Edit        // nil: Rigel diagnoses the workload and proposes what it finds
	Repo       config.Repo       // the deployment's repo; its branch is the pull request's base
	Deployment config.Deployment // the deployment whose folder holds the workload's manifest
	// Who asked, and where: a conversation's author and number (FromIssue: an issue, which the
	// pull request closes); Number 0 outside a conversation (the HTTP API).
	Author    string
	Number    int
	FromIssue bool
}

// FixOutcome is what came of a FixRequest: NoFix, Unchanged or Pull is set.
type FixOutcome struct {
	NoFix     *fix.Diagnosis // Rigel found nothing it has a fix for
	Unchanged bool           // the manifest already has the edits: no pull request
	Pull      *Pull          // the pull request that holds the fix
	Opened    bool           // Pull was opened now; else it was open already with the same change

	Edits     []fix.Edit     // what the fix sets
	Diagnosis *fix.Diagnosis // what Rigel saw, when it diagnosed
	Branch    string         // the pull request's branch
	Diff      string         // the change to the folder, unified

	p *fixProposal
}

// ProposeFix proposes a fix as `/rigel fix` does: it checks the deployment's policy on the
// workload, edits the deployment's folder on its branch (fetched from o) where the workload's
// values come from, checks the policy on what the edited folder builds (and the policies of
// other deployments that render a changed file, on what they build), pushes the change to a
// branch named after the workload and the change, and opens a pull request with gh in ghRepo,
// unless one is open for the same change. A branch of that name that holds anything but
// exactly this change by Rigel is left as it is and the next name is used (see pushFix). Other
// deployments of the repo that render a changed file are named. Nothing is applied to the
// cluster.
func (r *Runner) ProposeFix(ctx context.Context, gh GitHub, ghRepo Repo, o Origin, req FixRequest, h Hints) (*FixOutcome, error) {
	ref, dep, repo := req.Ref, req.Deployment, req.Repo
	log := zerolog.Ctx(ctx).With().Str("workload", ref.String()).Str("deployment", dep.Name).Logger()
	ctx = log.WithContext(ctx)

	p := &fixProposal{Ref: ref, Deployment: dep, Repo: repo.Repo, Branch: repo.Branch, Author: req.Author, Number: req.Number, FromIssue: req.FromIssue, Edits: req.Edits}
	out := &FixOutcome{p: p}
	pol := r.PolicyOf(dep)
	if v := policy.Violations(pol, workloadRef(ref)); len(v) > 0 {
		return nil, fixPolicyError(dep, fmt.Sprintf("%s `%s` in namespace `%s`", ref.Kind, ref.Name, ref.Namespace), v)
	}
	if req.Edits == nil {
		d, err := fix.Diagnose(ctx, r.Workloads, ref)
		if err != nil {
			return nil, fmt.Errorf("failed to diagnose %s %s in namespace %s: %w", ref.Kind, ref.Name, ref.Namespace, err)
		}
		out.Diagnosis = d
		if len(d.Edits) == 0 {
			log.Info().Int("findings", len(d.Findings)).Msg("nothing to fix")
			out.NoFix = d
			return out, nil
		}
		p.Diagnosis, p.Edits = d, d.Edits
	}
	out.Edits = p.Edits

	snap, err := r.Fetch(ctx, o, ops.BranchTarget(repo.Branch))
	if err != nil {
		return nil, err
	}
	p.Base = snap.Commit
	p.Changes, err = fix.Plan(snap, dep.Path, ref, p.Edits)
	var pe *fix.PlaceError
	var fe *fix.UserError
	switch {
	case errors.As(err, &pe):
		return nil, userErrorf("Rigel cannot place %s in folder `%s` (deployment `%s`, branch `%s` at `%s`): %s. Nothing was changed. Edit the manifest by hand in a pull request, then %s.",
			editList(p.Edits), dep.Path, dep.Name, repo.Branch, shortSHA(p.Base), strings.TrimSuffix(strings.TrimSpace(pe.Msg), "."), h.Preview(dep.Name))
	case errors.As(err, &fe):
		return nil, userErrorf("%s. Nothing was changed.", strings.TrimSuffix(fe.Msg, "."))
	case err != nil:
		return nil, fmt.Errorf("failed to edit folder %s of %s: %w", dep.Path, repo.Repo, err)
	case len(p.Changes) == 0:
		out.Unchanged = true
		return out, nil
	}
	if err := checkFixPolicy(ctx, snap, dep, pol, ref, p.Changes); err != nil {
		return nil, err
	}
	p.Shared, p.Unknown = sharedWith(ctx, snap, repo, dep, p.Changes)
	if err := r.checkSharedPolicy(ctx, snap, repo, ref, p); err != nil {
		return nil, err
	}
	p.Head = fixBranch(ref, p.Changes)
	out.Diff = fix.UnifiedDiff(p.Changes)

	files := map[string][]byte{}
	for _, ch := range p.Changes {
		files[ch.Path] = ch.After
	}
	// The push creates the branch, or finds it holding exactly this change by Rigel, or
	// passes over names that hold anything else: only then is an open PR of it vouched for.
	pushed, err := r.pushFix(ctx, o, p, files)
	switch {
	case errors.Is(err, gitsrc.ErrNothingToCommit):
		out.Unchanged = true
		return out, nil
	case err != nil:
		return nil, err
	}
	out.Branch = p.Head
	if !pushed.Pushed {
		existing, err := gh.FindPull(ctx, ghRepo, p.Head)
		if err != nil {
			return nil, err
		}
		if existing != nil {
			log.Info().Int("pull", existing.Number).Str("commit", p.Commit).Msg("fix already proposed")
			out.Pull = existing
			return out, nil
		}
	}
	pull, err := gh.OpenPull(ctx, ghRepo, NewPull{Head: p.Head, Base: repo.Branch, Title: fixTitle(p), Body: renderFixPull(p)})
	if err != nil {
		return nil, fmt.Errorf("pushed branch %s, but %w", p.Head, err)
	}
	log.Info().Int("pull", pull.Number).Str("branch", p.Head).Str("commit", pushed.Commit).Bool("pushed", pushed.Pushed).Msg("fix proposed")
	out.Pull, out.Opened = &pull, true
	return out, nil
}
