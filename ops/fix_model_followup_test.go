package ops

import (
	"context"
	"testing"

	"github.com/rigel-gitops/rigel/kube"
)

// TestFixPullOf: a plain comment follows up only in Rigel's open fix pull request of a linked
// workload of the repository itself, with a model configured; the branch names the workload
// exactly (web is not web-api).
func TestFixPullOf(t *testing.T) {
	ctx := context.Background()
	webAPI := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web-api"}
	otherWeb := kube.WorkloadRef{Kind: "StatefulSet", Namespace: "prod", Name: "web"}
	head := func(ref string, mut ...func(*PullHead)) PullHead {
		h := PullHead{State: "open", Ref: ref, SHA: "abc", HeadRepo: "acme/web", BaseRepo: "acme/web", BaseRef: "main"}
		for _, m := range mut {
			m(&h)
		}
		return h
	}
	for _, tc := range []struct {
		name  string
		head  PullHead
		model bool
		want  []kube.WorkloadRef
	}{
		{"the fix of web", head("rigel/fix-web-1a2b3c4"), true, []kube.WorkloadRef{shopWeb}},
		{"a later name of the fix of web", head("rigel/fix-web-1a2b3c4-3"), true, []kube.WorkloadRef{shopWeb}},
		{"the fix of web-api", head("rigel/fix-web-api-1a2b3c4"), true, []kube.WorkloadRef{webAPI}},
		{"no model", head("rigel/fix-web-1a2b3c4"), false, nil},
		{"another branch", head("feature/web"), true, nil},
		{"a name that is not Rigel's id", head("rigel/fix-web-final"), true, nil},
		{"closed", head("rigel/fix-web-1a2b3c4", func(h *PullHead) { h.State = "closed" }), true, nil},
		{"merged", head("rigel/fix-web-1a2b3c4", func(h *PullHead) { h.Merged = true }), true, nil},
		{"from a fork", head("rigel/fix-web-1a2b3c4", func(h *PullHead) { h.HeadRepo = "mallory/web" }), true, nil},
		{"a workload not linked", head("rigel/fix-db-1a2b3c4"), true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newFixWorld(t, linkedTo("web", "overlays/prod"), nil)
			addWorkload(w.wl, webAPI, linkedTo("web", "overlays/prod"))
			addWorkload(w.wl, otherWeb, linkedTo("shop", "shop")) // another repository's
			if tc.model {
				w.svc.Model = &fakeModel{}
			}
			w.forge.heads = map[int]PullHead{12: tc.head}
			call := w.call()
			call.IsPR = true
			fp, err := w.svc.FixPullOf(ctx, call)
			if err != nil {
				t.Fatal(err)
			}
			var got []kube.WorkloadRef
			if fp != nil {
				got = fp.Workloads
			}
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Errorf("workloads %v, want %v", got, tc.want)
			}
		})
	}
}
