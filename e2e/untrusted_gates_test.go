package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// extraConfigMap is a ConfigMap "extra" in ns whose data says which commit it comes from.
func extraConfigMap(ns, version string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: %s\ndata:\n  version: %s\n", ns, version)
}

// extraVersion is the version of ConfigMap extra in ns, "" when it does not exist.
func extraVersion(t *testing.T, ns string) string {
	t.Helper()
	cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "extra", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return ""
	case err != nil:
		t.Fatal(err)
	}
	return cm.Data["version"]
}

// TestApprovalsBoundToHead tries to apply a pull request as someone would who cannot get a
// real approval of what is applied: with an approval of an older commit, with an approval by a
// reader, from a draft, a closed or merged PR, or one GitHub says does not merge. Each is
// refused with who or what is missing and what to do, and nothing reaches the cluster; a
// writer's approval of the head then applies exactly that head.
func TestApprovalsBoundToHead(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) { s.MergeableRetryWait = 5 * time.Millisecond })
	ns := unique("bound")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("boundweb")
	b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
	first, err := git.Commit(r.full, "feature", map[string]string{"apps/web/k8s/extra.yaml": extraConfigMap(ns, "first")}, "add extra")
	if err != nil {
		t.Fatal(err)
	}
	pr := b.pull(r, first)
	alice, eve := unique("alice"), unique("eve")
	gh.SetPermission(r.full, alice, "write")
	gh.SetPermission(r.full, eve, "read")
	gh.AddReview(r.full, pr.number, alice, "APPROVED") // of the first commit

	head, err := git.Commit(r.full, "feature", map[string]string{"apps/web/k8s/extra.yaml": extraConfigMap(ns, "head")}, "change extra")
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.SetPullHead(r.full, pr.number, head); err != nil {
		t.Fatal(err)
	}
	mustContain(t, pr.reply("/rigel sync "+name), "/rigel apply "+name)
	yes := true

	steps := []struct {
		name    string
		setup   func()
		want    []string
		notWant []string
	}{
		{"an approval of an older commit", func() {},
			[]string{"nobody with `write` access has approved its head `" + head[:7] + "`", "@" + alice + " approved `" + first[:7] + "`, not the head `" + head[:7] + "`: ask for a new review"}, nil},
		{"an approval of the head by a reader", func() { gh.AddReview(r.full, pr.number, eve, "APPROVED") },
			[]string{"@" + eve + " approved but has only `read`: an approval counts only from someone with `write` or higher", "@" + alice + " approved `" + first[:7] + "`"}, nil},
		{"a draft", func() {
			gh.SetPermission(r.full, eve, "write") // her approval of the head now counts: only the draft is left
			gh.SetPullDraft(r.full, pr.number, true)
		}, []string{"is a draft", "Mark it ready for review"}, []string{"nobody with"}},
		{"branch protection unmet", func() {
			gh.SetPullDraft(r.full, pr.number, false)
			gh.SetPullMergeable(r.full, pr.number, &yes, "blocked")
		}, []string{"is not ready to apply", "mergeable_state `blocked`", "required approving reviews or required status checks"}, []string{"nobody with"}},
		{"behind its base", func() { gh.SetPullMergeable(r.full, pr.number, &yes, "behind") },
			[]string{"mergeable_state `behind`", "update the branch"}, nil},
		{"mergeability never computed", func() { gh.SetPullMergeable(r.full, pr.number, nil, "unknown") },
			[]string{"GitHub has not computed whether it can be merged", "try `/rigel apply` again"}, nil},
		{"closed", func() {
			gh.SetPullMergeable(r.full, pr.number, &yes, "clean")
			gh.SetPullState(r.full, pr.number, "closed", false)
		}, []string{"is closed", "Reopen it"}, nil},
		{"merged", func() { gh.SetPullState(r.full, pr.number, "closed", true) },
			[]string{"was merged", "run `/rigel sync` in an issue of " + r.full, "branch `" + r.branch + "`"}, nil},
		{"the approver lost write since", func() {
			gh.SetPullState(r.full, pr.number, "open", false)
			gh.SetPermission(r.full, eve, "read") // roles are asked on every apply
		}, []string{"@" + eve + " approved but has only `read`"}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.setup()
			got := pr.reply("/rigel apply " + name)
			mustContain(t, got, append([]string{"❌", fmt.Sprintf("PR #%d", pr.number), "othing was applied"}, st.want...)...)
			mustNotContain(t, got, append([]string{"Rigel applied"}, st.notWant...)...)
			if deploymentExists(t, ns) || extraVersion(t, ns) != "" {
				t.Fatal("a refused apply reached the cluster")
			}
		})
	}
	t.Run("a writer's approval of the head applies the head, once GitHub computed mergeability", func(t *testing.T) {
		gh.AddReview(r.full, pr.number, alice, "APPROVED")
		// GitHub is still computing when Rigel first reads the PR, and done by its next read:
		// each read is held until the test has set what it answers.
		gh.SetPullMergeable(r.full, pr.number, nil, "unknown")
		path := fmt.Sprintf("/repos/%s/pulls/%d", r.full, pr.number)
		firstWaiting, releaseFirst := gh.Hold("GET", path)
		defer releaseFirst()
		before, seen := len(pr.botComments()), len(gh.Requests())
		if code := pr.post("/rigel apply " + name); code >= 300 {
			t.Fatalf("webhook answered %d", code)
		}
		waitFor(t, "Rigel's first read of the PR", func() bool { return firstWaiting() == 1 })
		nextWaiting, releaseNext := gh.Hold("GET", path)
		defer releaseNext()
		releaseFirst() // answered: unknown
		waitFor(t, "Rigel's next read of the PR", func() bool { return nextWaiting() == 1 })
		gh.SetPullMergeable(r.full, pr.number, &yes, "clean")
		releaseNext()
		pr.waitReplies(before + 1)
		mustContain(t, pr.botComments()[before].Body, "Rigel applied `"+name+"`", "Succeeded")
		reads := 0
		for _, rq := range gh.Requests()[seen:] {
			if rq.Method == "GET" && rq.Path == path {
				reads++
			}
		}
		if reads != 2 {
			t.Errorf("Rigel read the PR %d times, want 2: once computing, once computed", reads)
		}
		if !deploymentExists(t, ns) || extraVersion(t, ns) != "head" {
			t.Fatalf("after the apply: deployment %v, extra at %q; want the head applied", deploymentExists(t, ns), extraVersion(t, ns))
		}
	})
}
