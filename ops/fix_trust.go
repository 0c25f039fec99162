package ops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"sort"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// What a fix may and may not vouch for (issue 18): Rigel answers "#N holds the same change"
// only for a branch whose tip is exactly the commit Rigel would push (gitsrc.CheckTip); it
// never moves a branch it finds (gitsrc.Push only creates), and takes the next name instead;
// an edit of a file other deployments render is named in the reply and the pull request; the
// deployment's policy is checked on the workload and on what the edited folder builds.

// fixBranchTries bounds the branch names one fix tries: the name of the change, then -2 … -5,
// then random suffixes, so that names squatted in advance cannot stop a fix.
const fixBranchTries = 7

// fixBranchName is the i-th name tried for a fix whose first name is first.
func fixBranchName(first string, i int) string {
	switch {
	case i == 0:
		return first
	case i < 5:
		return fmt.Sprintf("%s-%d", first, i+1)
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return first + "-" + hex.EncodeToString(b)
}

// pushFix pushes the fix to the first branch name that is free or already holds exactly this
// change by Rigel, and sets p.Head (and p.Taken, for the names passed over); a *BranchesTaken
// when every name holds something else. bot is the login Rigel commits as.
func (s *Service) pushFix(ctx context.Context, o Origin, p *FixProposal, files map[string][]byte, bot string) (gitsrc.PushResult, error) {
	first := p.Head
	for i := 0; i < fixBranchTries; i++ {
		name := fixBranchName(first, i)
		res, err := s.Source.Push(ctx, gitsrc.PushRequest{
			Repo: p.Repo, CloneURL: o.CloneURL, Base: p.Base, Branch: name, Files: files,
			Message: p.CommitMessage(), Author: gitsrc.Signature{Name: bot, Email: botEmail(bot)},
			Token: o.Creds,
		})
		var taken *gitsrc.BranchTakenError
		if errors.As(err, &taken) {
			zerolog.Ctx(ctx).Info().Str("branch", name).Str("tip", taken.Tip).Str("why", taken.Why).Msg("fix branch taken: trying another name")
			p.Taken = append(p.Taken, TakenBranch{Branch: name, Why: taken.Why})
			continue
		}
		if err == nil {
			p.Head, p.Commit = name, res.Commit
		}
		return res, err
	}
	names := make([]string, len(p.Taken))
	for i, t := range p.Taken {
		names[i] = t.Branch
	}
	return gitsrc.PushResult{}, &BranchesTaken{Branches: names}
}

// checkFixPolicy checks pol on every object the edited folder builds differently than before
// (the workload; fix.Plan refuses edits that change anything else): a *Policy names
// the first it does not allow.
func checkFixPolicy(ctx context.Context, fsys fs.FS, dep config.Deployment, pol config.Policy, ref kube.WorkloadRef, changes []fix.Change) error {
	before, err := renderWith(ctx, fsys, dep.Path, renderOptions(fsys, dep))
	if err != nil {
		return fmt.Errorf("failed to build folder %s before the fix: %w", dep.Path, err)
	}
	edited := fix.WithChanges(fsys, changes)
	after, err := renderWith(ctx, edited, dep.Path, renderOptions(edited, dep))
	if err != nil {
		return fmt.Errorf("failed to build folder %s after the fix: %w", dep.Path, err)
	}
	was := map[sync.Ref]map[string]any{}
	for _, o := range before {
		was[objectRef(o, ref)] = o.Obj.Object
	}
	for _, o := range after {
		at := objectRef(o, ref)
		if old, ok := was[at]; ok && reflect.DeepEqual(old, o.Obj.Object) {
			continue
		}
		_, workload := kube.WorkloadKind(at.Kind)
		// With the object it builds: the policy's rules on what an object says (its sync
		// options, roles that escalate) judge the edited object, not only its name.
		c := sync.NewChange(at, at.Namespace == "" && !workload, o.Obj)
		if v := policy.Violations(pol, c); len(v) > 0 {
			return &Policy{Object: &PolicyObject{Deployment: dep.Name, Verb: "fix", Kind: at.Kind, Name: at.Name, Namespace: at.Namespace, Built: true, Msg: v[0].Msg}}
		}
	}
	return nil
}

// objectRef is a rendered object's ref; a workload without a namespace is in the fixed
// workload's (as fix.Plan found it).
func objectRef(o sync.Object, ref kube.WorkloadRef) sync.Ref {
	gvk := o.Obj.GroupVersionKind()
	at := sync.Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: o.Obj.GetNamespace(), Name: o.Obj.GetName()}
	if _, workload := kube.WorkloadKind(gvk.Kind); workload && at.Namespace == "" && gvk.Group == "apps" {
		at.Namespace = ref.Namespace
	}
	return at
}

// checkSharedPolicy checks the policy of each other deployment that renders a changed file on
// what its folder builds differently after the edit: merging the fix changes those objects too.
func (s *Service) checkSharedPolicy(ctx context.Context, fsys fs.FS, repo config.Repo, ref kube.WorkloadRef, p *FixProposal) error {
	seen := map[string]bool{}
	for _, sh := range p.Shared {
		for _, name := range sh.Deployments {
			if seen[name] {
				continue
			}
			seen[name] = true
			for _, d := range repo.Deployments {
				if d.Name != name {
					continue
				}
				if err := checkFixPolicy(ctx, fsys, d, s.PolicyOf(d), ref, p.Changes); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sharedWith finds the other deployments of the repo (same branch, same commit) whose render
// reads a file the fix changes, and those Rigel could not build to tell.
func sharedWith(ctx context.Context, fsys fs.FS, repo config.Repo, dep config.Deployment, changes []fix.Change) (shared []SharedUse, unknown []string) {
	users := map[string][]string{}
	for _, d := range repo.Deployments {
		if d.Name == dep.Name {
			continue
		}
		files, err := renderInputs(ctx, fsys, d)
		if err != nil {
			zerolog.Ctx(ctx).Info().Err(err).Str("other", d.Name).Msg("cannot tell whether another deployment reads the fixed files")
			unknown = append(unknown, d.Name)
			continue
		}
		for _, c := range changes {
			i := sort.SearchStrings(files, c.Path)
			if i < len(files) && files[i] == c.Path && !otherValuesFile(fsys, d, c.Path) {
				users[c.Path] = append(users[c.Path], d.Name)
			}
		}
	}
	for _, c := range changes {
		if ds := users[c.Path]; len(ds) > 0 {
			sort.Strings(ds)
			shared = append(shared, SharedUse{Path: c.Path, Deployments: ds})
		}
	}
	sort.Strings(unknown)
	return shared, unknown
}
