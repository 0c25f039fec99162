package words

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

const (
	head = "def5678def5678def5678def5678def5678def56"
	old  = "abc1234abc1234abc1234abc1234abc1234abc12"
)

// api are hints in the terms of another way in than a comment.
var api = Hints{
	Preview:   func(name string) string { return "PREVIEW(" + name + ")" },
	Policy:    func(name string) string { return "POLICY(" + name + ")" },
	Force:     func(name string) string { return "FORCE(" + name + ")" },
	ForceWord: "FORCEWORD",
}

// TestPlanRefusals pins the words of each refusal of previewing and applying, whole: what was
// wrong, and the next step in the terms of the way in.
func TestPlanRefusals(t *testing.T) {
	tests := []struct {
		name string
		err  error
		h    Hints
		want string
	}{
		{"stale commit, in a PR", &ops.Stale{Deployment: "web", Commit: old, Now: ops.PullTarget(7, head), Why: ops.StaleCommit}, Comment,
			"the preview of `web` was for `abc1234`, but PR #7 head is now `def5678`. Nothing was applied. Run `/rigel sync web` to preview the new commit."},
		{"stale commit, HTTP", &ops.Stale{Deployment: "web", Commit: old, Now: ops.BranchTarget("main").At(head), Why: ops.StaleCommit}, api,
			"the preview of `web` was for `abc1234`, but branch `main` is now `def5678`. Nothing was applied. Run PREVIEW(web) to preview the new commit."},
		{"stale digest", &ops.Stale{Deployment: "web", Commit: head, Now: ops.BranchTarget("main").At(head), Why: ops.StaleDigest}, Comment,
			"the cluster or the folder changed since the preview of `web` at `def5678`, so that preview no longer shows what would happen. Nothing was applied. Run `/rigel sync web` to preview again."},
		{"merged", &ops.PullNotOpen{Pull: 7, Repo: "acme/web", Branch: "main", State: ops.PullMerged}, Comment,
			"PR #7 was merged, and Rigel applies a pull request only while it is open. Nothing was applied. To apply what was merged, run `/rigel sync` in an issue of acme/web: it previews the branch `main` and arms `/rigel apply` there."},
		{"closed", &ops.PullNotOpen{Pull: 7, Repo: "acme/web", State: ops.PullClosed}, Comment,
			"PR #7 is closed, and Rigel applies a pull request only while it is open. Nothing was applied. Reopen it, then run `/rigel apply` again."},
		{"draft", &ops.PullNotOpen{Pull: 7, Repo: "acme/web", State: ops.PullDraft}, Comment,
			"PR #7 is a draft, and Rigel does not apply drafts. Nothing was applied. Mark it ready for review (and have it approved), then run `/rigel apply` again."},
		{"fork apply", &ops.ForkApply{Pull: 7, Repo: "acme/web", HeadRepo: "mallory/web"}, Comment,
			"PR #7 comes from the fork `mallory/web`, and Rigel does not apply pull requests from forks: their code was not pushed by someone with write access to acme/web. Nothing was applied. Push the branch to acme/web and open the PR from there, or merge it and apply from the branch. (An admin of Rigel can allow forks with `RIGEL_ALLOW_FORK_APPLY=true`.)"},
		{"fork apply, deleted fork", &ops.ForkApply{Pull: 7, Repo: "acme/web"}, Comment,
			"PR #7 comes from a repository that no longer exists, and Rigel does not apply pull requests from forks: their code was not pushed by someone with write access to acme/web. Nothing was applied. Push the branch to acme/web and open the PR from there, or merge it and apply from the branch. (An admin of Rigel can allow forks with `RIGEL_ALLOW_FORK_APPLY=true`.)"},
		// what ops.TestPullGates's "every missing requirement at once" produces, and the old
		// commands.TestPullGatesText pinned
		{"not ready", &ops.NotReady{Pull: 7, Missing: []ops.Requirement{
			{Kind: ops.Unapproved, Head: head},
			{Kind: ops.ApprovalOfOtherCommit, Users: []string{"@alice"}, Commit: old, Head: head},
			{Kind: ops.ApprovalByNonWriter, Users: []string{"@eve"}, Role: "read", Head: head},
			{Kind: ops.MergeableState, State: "behind", Base: "main", Head: head, ByDefault: true},
		}}, Comment,
			"PR #7 is not ready to apply; nothing was applied:\n\n" +
				"- nobody with `write` access has approved its head `def5678`: ask a reviewer to approve the PR\n" +
				"- @alice approved `abc1234`, not the head `def5678`: ask for a new review\n" +
				"- @eve approved but has only `read`: an approval counts only from someone with `write` or higher\n" +
				"- it is behind `main`, and the branch protection wants branches up to date (mergeable_state `behind`): update the branch (**Update branch** on the PR, or merge `main` into it), push, and run `/rigel sync` again\n\n" +
				"Then run `/rigel apply` again."},
		{"not ready: changes requested, an approval of a forgotten commit", &ops.NotReady{Pull: 7, Missing: []ops.Requirement{
			{Kind: ops.ChangesRequested, Users: []string{"@bob", "@carol"}, Head: head},
			{Kind: ops.Unapproved, Head: head},
			{Kind: ops.ApprovalOfOtherCommit, Users: []string{"@alice"}, Head: head},
		}}, Comment,
			"PR #7 is not ready to apply; nothing was applied:\n\n" +
				"- changes are requested by @bob, @carol: address them and ask for a new review (or have the review dismissed)\n" +
				"- nobody with `write` access has approved its head `def5678`: ask a reviewer to approve the PR\n" +
				"- @alice approved an earlier commit, not the head `def5678`: ask for a new review\n\n" +
				"Then run `/rigel apply` again."},
		{"fork preview", &ops.ForkPreview{Pull: 7, Repo: "acme/web", HeadRepo: "mallory/web", Author: "someone", Have: "read", Need: "write", Verb: "diff"}, Comment,
			"PR #7 comes from the fork `mallory/web`, and Rigel previews pull requests from forks only for people with `write` on acme/web: a preview renders the fork's files and sends them to the cluster. @someone has the `read` role. Nothing was fetched, rendered or sent to the cluster. Ask someone with `write` access to read the change and comment `/rigel diff` here. (An admin of Rigel can open fork previews to everyone allowed to run the command with `RIGEL_ALLOW_FORK_PREVIEW=true`.)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Refusal(tc.err, tc.h)
			if !ok || got != tc.want {
				t.Fatalf("Refusal = %v\n%s\nwant:\n%s", ok, got, tc.want)
			}
		})
	}
}

// TestMergeableRequirements: each refused mergeable state says what to do.
func TestMergeableRequirements(t *testing.T) {
	for state, want := range map[string]string{
		"dirty":    "it has merge conflicts with `main` (mergeable_state `dirty`): resolve them (merge or rebase `main` into the branch), push, and run `/rigel sync` again",
		"blocked":  "the branch protection of `main` is not met (mergeable_state `blocked`): it still lacks required approving reviews or required status checks; get them",
		"unknown":  "GitHub has not computed whether it can be merged (mergeable_state `unknown`, still after 3 more reads): try `/rigel apply` again in a minute",
		"unstable": "some of its status checks fail (mergeable_state `unstable`): make them pass",
		"draft":    "GitHub says it is a draft (mergeable_state `draft`): mark it ready for review",
		"clean":    "its mergeable_state is `clean`, which this Rigel refuses (`RIGEL_REFUSE_MERGEABLE_STATES`): fix that on GitHub or ask Rigel's admin",
	} {
		t.Run(state, func(t *testing.T) {
			if got := requirement(ops.Requirement{Kind: ops.MergeableState, State: state, Base: "main"}); got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
	if got := requirement(ops.Requirement{Kind: ops.MergeableState, State: "has_hooks", ByDefault: true}); got != "GitHub gives it the mergeable_state `has_hooks`" {
		t.Fatalf("by default: %s", got)
	}
	if got := requirement(ops.Requirement{Kind: ops.MergeableState, State: "dirty"}); !strings.Contains(got, "merge conflicts with its base branch") {
		t.Fatalf("without a base: %s", got)
	}
}

// TestGuardRefusalsHints: the policy, reconciler and takeover refusals say the next step in
// the terms of the way in (the comment words are pinned by commands' golden files).
func TestGuardRefusalsHints(t *testing.T) {
	plan := &sync.Plan{Deployment: "web", Commit: head, Changes: []sync.Change{
		{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "a"}, Violations: []sync.Violation{{Rule: "namespaces", Msg: "namespace kube-system is protected"}}},
		{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "b"}, ManagedBy: &sync.Reconciler{Tool: "Flux", Evidence: "label"}},
		{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "c"}, Unmanaged: &sync.Unmanaged{Deployment: "api", Path: "apps/api", OwnerRepo: "acme/api"}},
	}}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&ops.Policy{Plan: plan, Namespace: "rigel"}, []string{"the policy of `web` refuses 1 object of commit `def5678`", "- `ConfigMap/kube-system/a`: namespace kube-system is protected", "then PREVIEW(web)", "(namespace `rigel`)", "POLICY(web) shows it", "FORCEWORD does not override a policy."}},
		{&ops.Reconciler{Plan: plan}, []string{"1 object of `web` is managed by another reconciler, and applying it", "- `ConfigMap/shop/b`: Flux (`label`)", "then FORCE(web): it applies exactly"}},
		{&ops.Takeover{Plan: plan}, []string{"1 object of `web` at `def5678` belongs to another deployment", "- `ConfigMap/shop/c`: deployment `api` of `acme/api` (folder `apps/api`)", "FORCEWORD does not override this."}},
	} {
		got, ok := Refusal(tc.err, api)
		if !ok {
			t.Fatalf("%T is not worded as a refusal", tc.err)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%T: lacks %q:\n%s", tc.err, w, got)
			}
		}
	}
}
