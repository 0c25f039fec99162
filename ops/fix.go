package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/policy"
)

// Reach is how an operation called outside a conversation (the HTTP API) reaches a registered
// repository it found: the repository's entry as the caller trusts it, how to fetch it, and
// the GitHub of its installation.
type Reach func(ctx context.Context, repo string) (config.Repo, Origin, Forge, error)

// FixRequest asks for a fix of a workload linked to a registered deployment.
type FixRequest struct {
	Workload kube.WorkloadRef
	Edits    []fix.Edit // nil: Rigel diagnoses the workload and proposes what it finds
	Bot      string     // the login Rigel commits as
	// PullBody words the pull request's body (words.FixPull): Markdown is the adapters'.
	PullBody func(*FixProposal) string
	// Reach reaches the deployment's repository for a call outside a conversation (Number 0);
	// in a conversation the fix goes to the conversation's repository, with the call's Forge.
	Reach Reach
	// Words is what the person wrote (an issue's text), told to the model when one is asked
	// (fix_model.go); hostile, bounded and redacted there.
	Words string
	// FollowUp is a plain comment in the fix's own pull request (fix_model_followup.go): the
	// model is asked again with Words and the pull request's branch, and its answer amends
	// that branch; the rules are not run, and no other pull request is opened.
	FollowUp bool
}

// FixOutcome is what came of a FixRequest: NoFix, Unchanged or Pull is set.
type FixOutcome struct {
	NoFix     *fix.Diagnosis // Rigel found nothing it has a fix for
	Unchanged bool           // the manifest already has the edits: no pull request
	Pull      *Pull          // the pull request that holds the fix
	Opened    bool           // Pull was opened now; else it was open already with the same change
	Amended   bool           // Pull is the conversation's fix pull request, amended with one more commit (fix_amend.go)
	// InPull is the conversation's fix pull request when Unchanged came of amending it: its
	// branch has the edits already (fix_amend.go).
	InPull *PullHead

	Edits     []fix.Edit     // what the fix sets
	Diagnosis *fix.Diagnosis // what Rigel saw, when it diagnosed
	Branch    string         // the pull request's branch
	Diff      string         // the change to the folder, unified

	Proposal *FixProposal  // the whole of it, for the reply
	Model    *ModelVerdict // what came of asking the model, when it was asked (fix_model.go)
}

// ProposeFix proposes a fix of a workload as `/rigel fix` does: it finds the registered
// deployment the workload is linked to (LinkOf) — in a conversation, one of its repository —,
// checks the deployment's policy on the workload, edits the deployment's folder on its branch
// where the workload's values come from, checks the policy on what the edited folder builds
// (and the policies of other deployments that render a changed file, on what they build),
// pushes the change to a branch named after the workload and the change, and opens a pull
// request, unless one is open for the same change. A branch of that name that holds anything
// but exactly this change by Rigel is left as it is and the next name is used (pushFix).
// Other deployments of the repo that render a changed file are named. Nothing is applied to
// the cluster.
//
// It refuses a workload that does not exist (*NotFound) or names no registered deployment
// (*NotLinked), one of another repository's deployment (*LinkedElsewhere), what the policy
// does not allow (*Policy), edits that cannot be placed (*CannotPlace) or are wrong for
// the workload (*Invalid), and a fix whose every branch name is taken (*BranchesTaken).
func (s *Service) ProposeFix(ctx context.Context, call Call, req FixRequest) (*FixOutcome, error) {
	ref := req.Workload
	w, err := s.Workloads.GetWorkload(ctx, ref)
	if err != nil {
		return nil, err
	}
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the registry: %w", err)
	}
	t, err := s.fixTarget(ctx, call, req, src, w)
	if err != nil {
		return nil, err
	}
	dep, repo := t.dep, t.repo
	log := zerolog.Ctx(ctx).With().Str("workload", ref.String()).Str("deployment", dep.Name).Logger()
	ctx = log.WithContext(ctx)

	p := &FixProposal{Ref: ref, Deployment: dep, Repo: repo.Repo, Branch: repo.Branch, Author: call.Author, Number: call.Number, FromIssue: call.Number != 0 && !call.IsPR, Edits: req.Edits}
	out := &FixOutcome{Proposal: p}
	pol := s.PolicyOf(dep)
	if v := policy.Violations(pol, workloadChange(ref)); len(v) > 0 {
		return nil, &Policy{Object: &PolicyObject{Deployment: dep.Name, Verb: "fix", Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace, Msg: v[0].Msg}}
	}
	var snap *gitsrc.Snapshot // fetched here, or for the model
	if req.Edits == nil {
		var d *fix.Diagnosis
		if req.FollowUp { // a plain comment in the fix's pull request: the model again (fix_model_followup.go)
			if snap, d, out.Model, err = s.askModelAgain(ctx, call, t, req); err != nil {
				return nil, err
			}
		} else if d, err = fix.Diagnose(ctx, s.Workloads, ref); err != nil {
			return nil, fmt.Errorf("failed to diagnose %s %s in namespace %s: %w", ref.Kind, ref.Name, ref.Namespace, err)
		} else if len(d.Edits) == 0 { // the rules have no fix: the model, when there is one (fix_model.go)
			if snap, d, out.Model, err = s.askModel(ctx, t, req, d); err != nil {
				return nil, err
			}
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

	// A `set` typed in the fix's own pull request amends it (fix_amend.go, issue 16).
	amend, err := amendTarget(ctx, call, req, ref, repo.Branch)
	if err != nil {
		return nil, err
	}
	switch {
	case req.FollowUp && amend == nil:
		return nil, notAFixPull(call, ref)
	case amend != nil:
		if snap, err = s.Fetch(ctx, t.origin, Target{Ref: "refs/heads/" + amend.Ref, Branch: amend.Ref, Commit: amend.SHA}); err != nil {
			return nil, err
		}
	case snap == nil: // else fetched for the model
		if snap, err = s.Fetch(ctx, t.origin, BranchTarget(repo.Branch)); err != nil {
			return nil, err
		}
	}
	p.Base = snap.Commit
	opts, err := s.fixRenderOptions(ctx, snap, dep)
	if err != nil {
		return nil, err
	}
	p.Changes, err = planFix(snap, dep, p, opts) // a chart's untraced rename is dropped (fix_chart.go)
	if err == nil && p.Diagnosis != nil && len(p.Edits) == 0 {
		log.Info().Int("findings", len(p.Diagnosis.Findings)).Msg("nothing to fix on the chart")
		out.Diagnosis, out.NoFix, out.Edits = p.Diagnosis, p.Diagnosis, nil
		return out, nil
	}
	out.Diagnosis, out.Edits = p.Diagnosis, p.Edits
	var pe *fix.PlaceError
	var fe *Invalid
	switch {
	case errors.As(err, &pe):
		return nil, &CannotPlace{Edits: p.Edits, Deployment: dep, Branch: repo.Branch, Base: p.Base, Msg: pe.Msg}
	case errors.As(err, &fe):
		return nil, &Invalid{Msg: strings.TrimSuffix(fe.Msg, ".") + ". Nothing was changed."}
	case err != nil:
		return nil, fmt.Errorf("failed to edit folder %s of %s: %w", dep.Path, repo.Repo, err)
	case len(p.Changes) == 0:
		out.Unchanged, out.InPull = true, amend // in a fix's own pull request: its branch has it
		return out, nil
	}
	if err := checkFixPolicy(ctx, snap, dep, pol, ref, p.Changes); err != nil {
		return nil, err
	}
	p.Shared, p.Unknown = sharedWith(ctx, snap, repo, dep, p.Changes)
	if err := s.checkSharedPolicy(ctx, snap, repo, ref, p); err != nil {
		return nil, err
	}
	p.Head = fixBranch(ref, p.Changes)
	out.Diff = fix.UnifiedDiff(p.Changes)

	files := map[string][]byte{}
	for _, ch := range p.Changes {
		files[ch.Path] = ch.After
	}
	if amend != nil {
		p.Head = amend.Ref
		return s.amendFix(ctx, t, p, amend, files, req.Bot, out)
	}
	// The push creates the branch, or finds it holding exactly this change by Rigel, or
	// passes over names that hold anything else: only then is an open PR of it vouched for.
	pushed, err := s.pushFix(ctx, t.origin, p, files, req.Bot)
	switch {
	case errors.Is(err, gitsrc.ErrNothingToCommit):
		out.Unchanged = true
		return out, nil
	case err != nil:
		return nil, err
	}
	out.Branch = p.Head
	if !pushed.Pushed {
		existing, err := t.forge.FindPull(ctx, t.ghRepo, p.Head)
		if err != nil {
			return nil, err
		}
		if existing != nil {
			log.Info().Int("pull", existing.Number).Str("commit", p.Commit).Msg("fix already proposed")
			out.Pull = existing
			return out, nil
		}
	}
	body := p.Title()
	if req.PullBody != nil {
		body = req.PullBody(p)
	}
	pull, err := t.forge.OpenPull(ctx, t.ghRepo, NewPull{Head: p.Head, Base: repo.Branch, Title: p.Title(), Body: body})
	if err != nil {
		return nil, fmt.Errorf("pushed branch %s, but %w", p.Head, err)
	}
	log.Info().Int("pull", pull.Number).Str("branch", p.Head).Str("commit", pushed.Commit).Bool("pushed", pushed.Pushed).Msg("fix proposed")
	out.Pull, out.Opened = &pull, true
	return out, nil
}

// fixTarget is where a fix goes: the deployment, its repository, how to fetch it and its GitHub.
type fixTarget struct {
	dep    config.Deployment
	repo   config.Repo
	origin Origin
	forge  Forge
	ghRepo Repo
}

// fixTarget is the registered deployment w is linked to: in a conversation, one of its
// repository (fetched and proposed to with the call's Forge); outside one, any, reached
// through req.Reach.
func (s *Service) fixTarget(ctx context.Context, call Call, req FixRequest, src *config.Sources, w *kube.Workload) (fixTarget, error) {
	link := LinkOf(src, w)
	ref := req.Workload
	if call.Number == 0 {
		if link.Deployment == nil {
			return fixTarget{}, &NotLinked{Workload: ref, Name: link.Name}
		}
		if req.Reach == nil {
			return fixTarget{}, fmt.Errorf("no way to reach %s for a fix outside a conversation", link.Owner.Repo)
		}
		entry, o, gh, err := req.Reach(ctx, link.Owner.Repo)
		if err != nil {
			return fixTarget{}, err
		}
		owner, name, _ := strings.Cut(entry.Repo, "/")
		return fixTarget{dep: *link.Deployment, repo: entry, origin: o, forge: gh,
			ghRepo: Repo{Owner: owner, Name: name, DefaultBranch: entry.Branch, CloneURL: entry.CloneURL, Installation: entry.InstallationID}}, nil
	}
	here := call.Repo.FullName()
	var deps []config.Deployment
	if r := src.FindRepo(here); r != nil {
		deps = r.Deployments
	}
	switch {
	case link.Name == "" || link.Deployment == nil:
		return fixTarget{}, &NotLinked{Workload: ref, Name: link.Name, Here: deps}
	case link.Owner.Repo != here:
		return fixTarget{}, &LinkedElsewhere{Workload: ref, Deployment: link.Deployment.Name, Repo: link.Owner.Repo, Verb: "fix"}
	}
	return fixTarget{dep: *link.Deployment, repo: *link.Owner, forge: call.Forge, ghRepo: call.Repo,
		origin: Origin{Repo: here, CloneURL: call.Repo.CloneURL, Creds: call.Forge.GitCredentials}}, nil
}
