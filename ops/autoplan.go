package ops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// Autoplan: a pull request previews itself (issue 11). On a new head, the deployments whose
// inputs the pull request changes are previewed at that head, as `/rigel sync` would, without
// anyone typing it. The adapter (commands/autoplan.go) publishes each outcome (the living
// comment, a check run); the rules of what is previewed, and what is skipped, are here.

// AutoplanOptions are the settings of autoplan.
type AutoplanOptions struct {
	Drafts bool // draft pull requests preview themselves too (RIGEL_AUTOPLAN_DRAFTS)
}

// AutoplanRequest is a head of a pull request to preview.
type AutoplanRequest struct {
	Number int
	Head   PullHead // as the event names it: SHA, Draft, HeadRepo, BaseRepo, BaseRef
	Base   string   // the base commit (the event's pull_request.base.sha); "": the current one
	// Author is who opened the pull request: in a pull request from a fork, the fork gate of
	// Preview decides by their role (Call.Author is ignored).
	Author string

	// Only previews these deployments whatever the pull request changes (a check run asked to
	// run again); nil: the deployments the changed files affect.
	Only []string
	// Done says whether dep was previewed at this head already (a redelivered or duplicate
	// event): it is then not previewed again. nil: none was.
	Done func(ctx context.Context, dep string) bool
	// Starting is told the deployments about to be previewed, before the first is (check
	// runs in progress). nil: not told.
	Starting func(ctx context.Context, deps []config.Deployment)
	// Each is told the outcome of each deployment as soon as it is known, in order. nil:
	// the outcomes are only returned.
	Each func(ctx context.Context, o AutoplanOutcome)
}

// AutoplanSkip is why a head was not previewed at all.
type AutoplanSkip string

// The reasons a head is not previewed.
const (
	SkipFork          AutoplanSkip = "fork"           // from a fork, and the fork gate refuses it (Fork says why)
	SkipDraft         AutoplanSkip = "draft"          // a draft, and drafts do not preview themselves
	SkipRepoOptOut    AutoplanSkip = "repo-opt-out"   // the registry's repository entry says autoplan: false
	SkipNoDeployments AutoplanSkip = "no-deployments" // the repository has no deployments
	SkipNotOpen       AutoplanSkip = "not-open"       // the pull request is closed
)

// Autoplanned is what autoplan did with a head.
type Autoplanned struct {
	Skipped AutoplanSkip // "" when the head's deployments were looked at
	Fork    *ForkPreview // with SkipFork: the refusal a typed preview would get

	Files    int  // how many changed files GitHub listed
	Complete bool // GitHub listed every changed file; false: every deployment counted as changed
	Source   string

	Outcomes []AutoplanOutcome // one per deployment of the repository, in the registry's order
}

// Previewed are the outcomes of the deployments that were previewed.
func (a *Autoplanned) Previewed() []AutoplanOutcome {
	var out []AutoplanOutcome
	for _, o := range a.Outcomes {
		if o.Affected && !o.OptedOut && !o.Done {
			out = append(out, o)
		}
	}
	return out
}

// AutoplanOutcome is what autoplan did with one deployment.
type AutoplanOutcome struct {
	Deployment config.Deployment
	Head       string // the head commit it is about

	Affected bool   // the pull request changes one of its inputs (or the list was incomplete, or it was asked for)
	Because  string // the first changed input, or why it counts as changed
	OptedOut bool   // the registry says autoplan: false for it: not previewed
	Done     bool   // previewed at this head already: not previewed again

	Preview *Preview // the preview, when it was made
	Err     error    // when it was not: a refusal (*RenderFailed, …) or a failure
}

// Autoplan previews the head of a pull request of call's repository: each deployment whose
// inputs (sync.Inputs at the head: the folder's files and every file its render reads, such
// as a kustomize base elsewhere) the pull request changes, at the head commit. It previews
// nothing, and says why (Skipped), for a closed pull request, a draft (unless
// AutoplanOptions.Drafts), a pull request from a fork the fork gate of Preview refuses, or a
// repository whose entry opts out. A deployment whose entry says autoplan: false is not
// previewed. A refusal or failure of one deployment is its outcome's Err and does not stop
// the others; Autoplan fails only when it could not decide (the registry, the changed files,
// the head commit).
func (s *Service) Autoplan(ctx context.Context, call Call, req AutoplanRequest) (*Autoplanned, error) {
	log := zerolog.Ctx(ctx)
	out := &Autoplanned{}
	switch {
	case req.Head.State != "" && req.Head.State != "open":
		out.Skipped = SkipNotOpen
		return out, nil
	case req.Head.Draft && !s.Autoplanning.Drafts:
		out.Skipped = SkipDraft
		return out, nil
	}
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	entry := src.FindRepo(call.Repo.FullName())
	switch {
	case entry == nil || len(entry.Deployments) == 0:
		out.Skipped = SkipNoDeployments
		return out, nil
	case entry.Autoplan != nil && !*entry.Autoplan:
		out.Skipped = SkipRepoOptOut
		return out, nil
	}
	fc := call
	fc.IsPR, fc.Number, fc.Author = true, req.Number, req.Author
	if err := s.autoplanForkGate(ctx, fc, req); err != nil {
		var fork *ForkPreview
		if errors.As(err, &fork) {
			out.Skipped, out.Fork = SkipFork, fork
			return out, nil
		}
		return nil, err
	}
	at := PullTarget(req.Number, req.Head.SHA)
	affected, err := s.affected(ctx, fc, req, entry, out)
	if err != nil {
		return nil, err
	}
	var todo []config.Deployment
	for i := range affected {
		o := &affected[i]
		if o.Affected && !o.OptedOut && req.Done != nil && req.Done(ctx, o.Deployment.Name) {
			o.Done = true
		}
		if o.Affected && !o.OptedOut && !o.Done {
			todo = append(todo, o.Deployment)
		}
	}
	out.Outcomes = affected
	log.Info().Int("files", out.Files).Bool("complete", out.Complete).
		Int("deployments", len(todo)).Msg("autoplan")
	if len(todo) > 0 && req.Starting != nil {
		req.Starting(ctx, todo)
	}
	for i := range out.Outcomes {
		o := &out.Outcomes[i]
		if !o.Affected || o.OptedOut || o.Done {
			continue
		}
		if err := ctx.Err(); err != nil {
			o.Err = fmt.Errorf("autoplan of %s at %s stopped: %w", o.Deployment.Name, shortCommit(req.Head.SHA), err)
		} else {
			o.Preview, o.Err = s.plan(ctx, fc.Origin(), o.Deployment, at)
		}
		if req.Each != nil {
			req.Each(ctx, *o)
		}
	}
	return out, nil
}

// affected decides, for each deployment of entry, whether the pull request changes its
// inputs; it sets out's file counts.
func (s *Service) affected(ctx context.Context, call Call, req AutoplanRequest, entry *config.Repo, out *Autoplanned) ([]AutoplanOutcome, error) {
	outcomes := make([]AutoplanOutcome, len(entry.Deployments))
	for i, d := range entry.Deployments {
		outcomes[i] = AutoplanOutcome{Deployment: d, Head: req.Head.SHA, OptedOut: d.Autoplan != nil && !*d.Autoplan}
	}
	if req.Only != nil {
		for i := range outcomes {
			for _, name := range req.Only {
				if outcomes[i].Deployment.Name == name {
					outcomes[i].Affected, outcomes[i].Because = true, "asked for"
					outcomes[i].OptedOut = false // asked for by name: a person wants it
				}
			}
		}
		out.Complete = true
		return outcomes, nil
	}
	files, err := call.Forge.PullFiles(ctx, call.Repo, req.Number, req.Base, req.Head.SHA)
	if err != nil {
		return nil, fmt.Errorf("failed to list the files PR #%d changes: %w", req.Number, err)
	}
	out.Files, out.Complete, out.Source = len(files.Files), files.Complete, files.Source
	if !files.Complete {
		for i := range outcomes {
			outcomes[i].Affected, outcomes[i].Because = true, fmt.Sprintf("GitHub listed only %d of the changed files", len(files.Files))
		}
		return outcomes, nil
	}
	changed := map[string]bool{}
	for _, f := range files.Files {
		for _, p := range []string{f.Path, f.PreviousPath} { // a rename changes both names
			if p != "" {
				changed[path.Clean(p)] = true
			}
		}
	}
	if len(changed) == 0 {
		return outcomes, nil
	}
	head, err := s.Fetch(ctx, call.Origin(), PullTarget(req.Number, req.Head.SHA))
	if err != nil {
		return nil, err
	}
	var base fs.FS // fetched when a deployment's inputs cannot be read at the head
	for i := range outcomes {
		o := &outcomes[i]
		inputs, err := renderInputs(ctx, head, o.Deployment) // chart.go: with a chart's values files
		if err != nil {
			// The folder does not render at the head: its inputs at the base, and anything
			// under the folder, count, so the preview reports the error.
			if base == nil {
				base = s.baseFS(ctx, call, req)
			}
			inputs, _ = renderInputs(ctx, base, o.Deployment)
		}
		if f := firstChanged(changed, inputs, o.Deployment.Path, isChart(head, o.Deployment.Path)); f != "" {
			o.Affected, o.Because = true, f
		}
	}
	return outcomes, nil
}

// firstChanged is the first of inputs that changed, or a changed file under folder; "" when
// none. Under a chart folder, a values file at its top that is not an input (another
// deployment's: values-staging.yaml for prod) does not count.
func firstChanged(changed map[string]bool, inputs []string, folder string, chart bool) string {
	for _, in := range inputs {
		if changed[path.Clean(in)] {
			return in
		}
	}
	prefix := strings.TrimSuffix(path.Clean(folder), "/") + "/"
	if prefix == "./" {
		prefix = ""
	}
	var first string
	for f := range changed {
		if chart && path.Dir(f) == path.Clean(folder) && isValuesName(path.Base(f)) {
			continue
		}
		if strings.HasPrefix(f, prefix) && (first == "" || f < first) {
			first = f
		}
	}
	return first
}

// baseFS is the base commit of a pull request, for the inputs of a folder that does not
// render at the head; an empty one when it cannot be fetched (then only the folder counts).
func (s *Service) baseFS(ctx context.Context, call Call, req AutoplanRequest) fs.FS {
	t := BranchTarget(req.Head.BaseRef)
	if req.Base != "" {
		t = t.At(req.Base)
	}
	if req.Head.BaseRef == "" && req.Base == "" {
		return emptyFS{}
	}
	snap, err := s.Fetch(ctx, call.Origin(), t)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("autoplan: the base commit could not be fetched; only files under a folder count for it")
		return emptyFS{}
	}
	return snap
}

// emptyFS is a tree without files.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// autoplanForkGate: a pull request from a fork previews itself only when the settings open
// fork previews (RIGEL_ALLOW_FORK_PREVIEW), whoever opened it — nobody chose to render its
// files, and a fork's head is pushed by whoever the fork's owner lets push. A check run asked
// to run again (req.Only) was chosen by the person who clicked: Preview's fork gate judges
// them by their role, as it judges a typed `/rigel diff`.
func (s *Service) autoplanForkGate(ctx context.Context, fc Call, req AutoplanRequest) error {
	if req.Only != nil || s.Access.AllowForkPreview {
		return s.checkForkPreview(ctx, fc, "autoplan")
	}
	base := req.Head.BaseRepo
	if base == "" {
		base = fc.Repo.FullName()
	}
	if req.Head.HeadRepo != "" && strings.EqualFold(req.Head.HeadRepo, base) {
		return nil
	}
	return &ForkPreview{Pull: req.Number, Repo: fc.Repo.FullName(), HeadRepo: req.Head.HeadRepo, Author: req.Author, Need: ForkPreviewRole, Verb: "autoplan"}
}
