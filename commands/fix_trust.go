package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"

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

// takenBranch is a branch name that was already in use by something else.
type takenBranch struct {
	Branch, Why string
}

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
// change by Rigel, and sets p.Head (and p.Taken, for the names passed over).
func (r *Runner) pushFix(ctx context.Context, o Origin, p *fixProposal, files map[string][]byte) (gitsrc.PushResult, error) {
	first := p.Head
	for i := 0; i < fixBranchTries; i++ {
		name := fixBranchName(first, i)
		res, err := r.Source.Push(ctx, gitsrc.PushRequest{
			Repo: p.Repo, CloneURL: o.CloneURL, Base: p.Base, Branch: name, Files: files,
			Message: fixCommitMessage(p), Author: r.fixSignature(),
			Token: o.Creds,
		})
		var taken *gitsrc.BranchTakenError
		if errors.As(err, &taken) {
			zerolog.Ctx(ctx).Info().Str("branch", name).Str("tip", taken.Tip).Str("why", taken.Why).Msg("fix branch taken: trying another name")
			p.Taken = append(p.Taken, takenBranch{Branch: name, Why: taken.Why})
			continue
		}
		if err == nil {
			p.Head, p.Commit = name, res.Commit
		}
		return res, err
	}
	names := make([]string, len(p.Taken))
	for i, t := range p.Taken {
		names[i] = code(t.Branch)
	}
	return gitsrc.PushResult{}, userErrorf("Rigel found %d branches for this fix already in use by other changes (%s) and does not overwrite branches it did not make. Nothing was pushed. Delete those branches, then run the fix again.",
		len(names), strings.Join(names, ", "))
}

func (r *Runner) fixSignature() gitsrc.Signature {
	return gitsrc.Signature{Name: r.BotLogin, Email: botEmail(r.BotLogin)}
}

// workloadRef is the workload as a change of a plan, for policy.Violations.
func workloadRef(ref kube.WorkloadRef) sync.Change {
	return sync.Change{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}}
}

// fixPolicyError refuses a fix the deployment's policy does not allow.
func fixPolicyError(dep config.Deployment, what string, v []sync.Violation) error {
	return userErrorf("the policy of the deployment `%s` does not allow %s: %s. Nothing was pushed and no pull request was opened. `/rigel policy %s` shows the policy and how cluster admins change it.",
		dep.Name, what, strings.TrimSuffix(v[0].Msg, "."), dep.Name)
}

// checkFixPolicy checks pol on every object the edited folder builds differently than before
// (the workload; fix.Plan refuses edits that change anything else).
func checkFixPolicy(ctx context.Context, fsys fs.FS, dep config.Deployment, pol config.Policy, ref kube.WorkloadRef, changes []fix.Change) error {
	before, err := sync.Render(ctx, fsys, dep.Path)
	if err != nil {
		return fmt.Errorf("failed to build folder %s before the fix: %w", dep.Path, err)
	}
	after, err := sync.Render(ctx, fix.WithChanges(fsys, changes), dep.Path)
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
		c := sync.Change{Ref: at, ClusterScoped: at.Namespace == "" && !workload}
		if v := policy.Violations(pol, c); len(v) > 0 {
			return fixPolicyError(dep, fmt.Sprintf("%s `%s` in namespace `%s` as the fix builds it", at.Kind, at.Name, at.Namespace), v)
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
func (r *Runner) checkSharedPolicy(ctx context.Context, fsys fs.FS, repo config.Repo, ref kube.WorkloadRef, p *fixProposal) error {
	seen := map[string]bool{}
	for _, s := range p.Shared {
		for _, name := range s.Deployments {
			if seen[name] {
				continue
			}
			seen[name] = true
			for _, d := range repo.Deployments {
				if d.Name != name {
					continue
				}
				if err := checkFixPolicy(ctx, fsys, d, r.PolicyOf(d), ref, p.Changes); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sharedUse is a changed file that other deployments render too.
type sharedUse struct {
	Path        string
	Deployments []string
}

// sharedWith finds the other deployments of the repo (same branch, same commit) whose render
// reads a file the fix changes, and those Rigel could not build to tell.
func sharedWith(ctx context.Context, fsys fs.FS, repo config.Repo, dep config.Deployment, changes []fix.Change) (shared []sharedUse, unknown []string) {
	users := map[string][]string{}
	for _, d := range repo.Deployments {
		if d.Name == dep.Name {
			continue
		}
		files, err := sync.Inputs(ctx, fsys, d.Path)
		if err != nil {
			zerolog.Ctx(ctx).Info().Err(err).Str("other", d.Name).Msg("cannot tell whether another deployment reads the fixed files")
			unknown = append(unknown, d.Name)
			continue
		}
		for _, c := range changes {
			i := sort.SearchStrings(files, c.Path)
			if i < len(files) && files[i] == c.Path {
				users[c.Path] = append(users[c.Path], d.Name)
			}
		}
	}
	for _, c := range changes {
		if ds := users[c.Path]; len(ds) > 0 {
			sort.Strings(ds)
			shared = append(shared, sharedUse{Path: c.Path, Deployments: ds})
		}
	}
	sort.Strings(unknown)
	return shared, unknown
}

// fixWarnings is what people must know before merging: other deployments the edit reaches,
// branches passed over. "" when there is nothing; else it ends with a blank line.
func fixWarnings(p *fixProposal) string {
	var b strings.Builder
	for _, s := range p.Shared {
		names := make([]string, len(s.Deployments))
		for i, d := range s.Deployments {
			names[i] = code(d)
		}
		verb := "uses"
		if len(names) > 1 {
			verb = "use"
		}
		fmt.Fprintf(&b, "⚠️ This edit changes %s, which %s %s %s too: merging it changes %s as well.\n\n",
			code(s.Path), pluralOf(len(names), "deployment", "deployments"), andList(names), verb, pluralOf(len(names), "that deployment", "those deployments"))
	}
	if len(p.Unknown) > 0 {
		names := make([]string, len(p.Unknown))
		for i, d := range p.Unknown {
			names[i] = code(d)
		}
		fmt.Fprintf(&b, "⚠️ Rigel could not build %s %s of this repo to tell whether %s this edit's files; check before merging.\n\n",
			pluralOf(len(names), "deployment", "deployments"), andList(names), pluralOf(len(names), "it reads", "they read"))
	}
	for _, t := range p.Taken {
		fmt.Fprintf(&b, "ℹ️ Branch %s already exists and does not hold exactly this change (%s), so Rigel left it as it is and used %s.\n\n", code(t.Branch), t.Why, code(p.Head))
	}
	return b.String()
}

// andList is "a", "a and b", "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
