package commands

import (
	"context"
	"errors"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

func unmanagedPlan(u *sync.Unmanaged, kind string) *preview {
	pv := samplePlan()
	pv.Plan.Changes = append(pv.Plan.Changes, sync.Change{
		Ref: sync.Ref{Version: "v1", Kind: kind, Namespace: "kube-system", Name: "cluster-config"}, Action: sync.ActionUpdate, Source: "apps/web/k8s/x.yaml",
		Diff:      "--- (live object not shown)\n+++ rigel/v1/" + kind + "/kube-system/cluster-config\n@@ -0,0 +1,2 @@\n+data:\n+  color: blue\n",
		Unmanaged: u,
	})
	return pv
}

func TestRenderUnmanaged(t *testing.T) {
	tests := []struct {
		name      string
		u         *sync.Unmanaged
		kind      string
		want, not []string
		armed     bool
	}{
		{"nobody's, by field managers", &sync.Unmanaged{Managers: []string{"kubectl-client-side-apply"}, TakeOver: []string{"data.color"}}, "ConfigMap",
			[]string{"exists, not managed by this deployment", "its fields were set by the field manager `kubectl-client-side-apply`", "Applying takes over 1 field", "`data.color`", "Its live values are not shown", "Applying adopts it", "1 existing not managed by this deployment"},
			[]string{"⛔ belongs"}, true},
		{"nobody known", &sync.Unmanaged{}, "ConfigMap",
			[]string{"nobody known manages it", "takes over no field another manager set"}, nil, true},
		{"a removed deployment's", &sync.Unmanaged{Deployment: "old", Path: "apps/old", Managers: []string{"rigel"}, TakeOver: []string{"data.color"}, More: 3}, "ConfigMap",
			[]string{"its provenance names the deployment `old`, which is no longer registered: applying adopts it", "takes over 4 fields", "and 3 more", "`rigel` (another deployment's applies)"}, nil, true},
		{"a registered deployment's", &sync.Unmanaged{Deployment: "api", Path: "apps/api", OwnerRepo: "acme/api", Managers: []string{"rigel"}}, "ConfigMap",
			[]string{"⛔ belongs to deployment <code>api</code>", "managed by the Rigel deployment `api` of `acme/api` (folder `apps/api`)", "`/rigel apply` refuses it",
				"kubectl annotate configmap cluster-config -n kube-system helmsman.dev/source-repo- helmsman.dev/source-path-", "Nothing is armed while an object belongs to another deployment", "(1 another deployment's)"},
			[]string{"rigel:plan"}, false},
		{"a Secret", &sync.Unmanaged{Managers: []string{"kubectl"}, TakeOver: []string{"data"}}, "Secret",
			[]string{"not even which keys differ is said", "`data`"}, []string{"x.yaml</code> — Secret keys"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pv := unmanagedPlan(tc.u, tc.kind)
			if tc.kind == "Secret" {
				pv.Plan.Changes[len(pv.Plan.Changes)-1].Secret = &sync.SecretKeys{}
			}
			if err := (&Runner{Service: &ops.Service{}}).markOwners(context.Background(), &sync.Plan{}); err != nil {
				t.Fatal(err)
			}
			got := renderPlan("acme/web", pv, true)
			mustHave(t, got, tc.want...)
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("reply has %q:\n%s", n, got)
				}
			}
			if armed := strings.Contains(got, "rigel:plan"); armed != tc.armed {
				t.Errorf("armed = %v, want %v", armed, tc.armed)
			}
		})
	}
}

func TestRenderBlocked(t *testing.T) {
	pv := samplePlan()
	pv.Plan.Changes = append(pv.Plan.Changes, sync.Change{
		Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "x"}, Action: sync.ActionBlocked,
		Violations: []sync.Violation{{Rule: "namespaces", Msg: "namespace kube-system is not allowed (namespaces: shop)"}},
		Note:       "the deployment's policy refuses this object, so it was not sent to the cluster (neither dry-run nor read): shown as in the folder",
		Diff:       "--- (not read)\n+++ rigel/v1/ConfigMap/kube-system/x\n",
	})
	got := renderPlan("acme/web", pv, true)
	mustHave(t, got, "🚫 not sent", "not sent to the cluster (neither dry-run nor read)", "namespace kube-system is not allowed", "Nothing is armed while an object is against the policy", "--- (not read)")
	if strings.Contains(got, "rigel:plan") {
		t.Errorf("a plan with a blocked object was armed:\n%s", got)
	}
}

func TestTakeoverRefusal(t *testing.T) {
	if err := takeoverRefusal(unmanagedPlan(&sync.Unmanaged{Deployment: "old"}, "ConfigMap").Plan, commentHints); err != nil {
		t.Fatalf("an unregistered deployment's object is refused: %v", err)
	}
	pv := unmanagedPlan(&sync.Unmanaged{Deployment: "api", Path: "apps/api", OwnerRepo: "acme/api"}, "ConfigMap")
	err := takeoverRefusal(pv.Plan, commentHints)
	var te *TakeoverError
	var ue *fault.Invalid
	if !errors.As(err, &te) || !errors.As(err, &ue) {
		t.Fatalf("err = %T %v, want a *TakeoverError that is a *fault.Invalid", err, err)
	}
	mustHave(t, ue.Msg, "1 object of `web`", "belongs to another deployment", "Nothing was applied", "`ConfigMap/kube-system/cluster-config`: deployment `api` of `acme/api` (folder `apps/api`)",
		"kubectl annotate configmap cluster-config -n kube-system", "`/rigel remove-deployment api`", "`--force` does not override this")
	wl := &sync.Plan{Deployment: "web", Changes: []sync.Change{{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
		Unmanaged: &sync.Unmanaged{Deployment: "api", OwnerRepo: "acme/api"}}}}
	mustHave(t, takeoverRefusal(wl, commentHints).Error(), "`/rigel unlink deployment/web -n shop` in a conversation of `acme/api`", "kubectl annotate deployment.apps web -n shop")
}

// forkGitHub answers for a pull request from a fork, and counts what it was asked.
type forkGitHub struct {
	recorder
	head, base, role string
	asked            []string
}

func (f *forkGitHub) PullHead(context.Context, Repo, int) (PullHead, error) {
	f.asked = append(f.asked, "pull")
	return PullHead{SHA: "abc", HeadRepo: f.head, BaseRepo: f.base}, nil
}

func (f *forkGitHub) Permission(context.Context, Repo, string) (string, error) {
	f.asked = append(f.asked, "permission")
	return f.role, nil
}

func TestCheckForkPreview(t *testing.T) {
	tests := []struct {
		name       string
		head, role string
		isPR, open bool
		refused    bool
	}{
		{"not a pull request", "mallory/web", "read", false, false, false},
		{"same repository", "acme/web", "read", true, false, false},
		{"same repository, other case", "ACME/web", "none", true, false, false},
		{"fork, read", "mallory/web", "read", true, false, true},
		{"fork, triage", "mallory/web", "triage", true, false, true},
		{"deleted fork, read", "", "read", true, false, true},
		{"fork, write", "mallory/web", "write", true, false, false},
		{"fork, admin", "mallory/web", "admin", true, false, false},
		{"fork, read, previews opened", "mallory/web", "read", true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh := &forkGitHub{head: tc.head, base: "acme/web", role: tc.role}
			c := &call{r: &Runner{Service: &ops.Service{Access: Access{AllowForkPreview: tc.open}}}, gh: gh,
				req: Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7, IsPR: tc.isPR, Author: "someone"}, cmd: Command{Verb: "diff"}}
			err := c.checkForkPreview(context.Background())
			if (err != nil) != tc.refused {
				t.Fatalf("err = %v, refused want %v", err, tc.refused)
			}
			if !tc.refused {
				return
			}
			var ue *fault.Invalid
			if !errors.As(err, &ue) {
				t.Fatalf("err = %T, want *fault.Invalid", err)
			}
			mustHave(t, ue.Msg, "PR #7 comes from", "only for people with `write` on acme/web", "@someone has the `"+tc.role+"` role",
				"Nothing was fetched, rendered or sent to the cluster", "comment `/rigel diff` here", "RIGEL_ALLOW_FORK_PREVIEW=true")
		})
	}
}
