package words

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
)

// TestFixLinkAccessWords: each refusal of link, unlink, fix and authorization reads as the
// replies always did (wrapped or not); a fix's refusals about the workload's link name the
// command to run again.
func TestFixLinkAccessWords(t *testing.T) {
	web := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"forbidden", &ops.Forbidden{User: "mallory", Have: "read", Need: "write", Repo: "acme/web", Verb: "apply"},
			"@mallory has the `read` role on acme/web, and `/rigel apply` needs `write` or higher. Nothing was done. Ask an admin of acme/web for `write` access, or ask someone who has it to run the command."},
		{"forbidden to set a policy", &ops.Forbidden{User: "octocat", Have: "write", Need: "admin", Repo: "acme/web", Guard: ops.GuardSetPolicy, Namespace: "rigel"},
			"`--namespaces` sets the deployment's policy, which only an admin of acme/web may do, and @octocat has the `write` role. Nothing was done. A cluster admin can also edit the policy in ConfigMap `helmsman-git-sources` (namespace `rigel`)."},
		{"forbidden to remove", &ops.Forbidden{User: "octocat", Have: "maintain", Need: "admin", Repo: "acme/web", Guard: ops.GuardRemove, Deployment: "web", Namespace: "rigel"},
			"removing `web`, which has a policy (adding it again would drop the policy), is something only an admin of acme/web may do, and @octocat has the `maintain` role. Nothing was done. A cluster admin can also edit the policy in ConfigMap `helmsman-git-sources` (namespace `rigel`)."},
		{"no such workload", fmt.Errorf("x: %w", &ops.NotFound{Kind: "Deployment", Name: "web", Namespace: "shop"}),
			"there is no Deployment `web` in namespace `shop`. Check the kind, the name and the namespace (`-n NAMESPACE`, default `default`)."},
		{"no such deployment", &ops.NotFound{Kind: "deployment", Name: "n`o", Repo: "acme/web", Known: []string{"api", "web"}},
			"there is no deployment named `n'o`. This repo has: `api`, `web`. `/rigel list` shows them."},
		{"no deployment at all", &ops.NotFound{Kind: "deployment", Name: "web", Repo: "acme/web", Known: []string{}},
			"there is no deployment named `web`. This repo has none yet: `/rigel add-deployment PATH` registers one."},
		{"another repository's deployment", &ops.OtherRepo{Deployment: "shop", Repo: "acme/other", Verb: "link"},
			"the deployment `shop` belongs to acme/other: link workloads to it from a conversation of that repo."},
		{"linked elsewhere (link)", &ops.LinkedElsewhere{Workload: web, Deployment: "shop", Repo: "acme/other", Verb: "link"},
			"Deployment `web` in namespace `shop` is linked to the deployment `shop` of acme/other. Only a conversation of that repo can unlink it: `/rigel unlink deployment/web -n shop` there."},
		{"linked elsewhere (unlink)", &ops.LinkedElsewhere{Workload: web, Deployment: "shop", Repo: "acme/other", Verb: "unlink"},
			"Deployment `web` in namespace `shop` is linked to the deployment `shop` of acme/other. Only a conversation of that repo can unlink it."},
		{"already linked", &ops.AlreadyLinked{Workload: web, To: "api", Path: "k8s", Want: "web"},
			"Deployment `web` in namespace `shop` is already linked to the deployment `api` (folder `k8s`). Nothing was changed. To link it to `web` instead: `/rigel link deployment/web -n shop web --force`."},
		{"deleted", &ops.Deleted{Workload: web}, "Deployment `web` in namespace `shop` was deleted meanwhile. Nothing was changed."},
		{"policy (link)", &ops.Policy{Object: &ops.PolicyObject{Deployment: "web", Verb: "link", Kind: "Deployment", Name: "web", Namespace: "prod", Msg: "namespace prod is not allowed (namespaces: shop)"}},
			"the policy of the deployment `web` does not allow Deployment `web` in namespace `prod`: namespace prod is not allowed (namespaces: shop). Nothing was changed. `/rigel policy web` shows the policy and how cluster admins change it."},
		{"policy (fix)", &ops.Policy{Object: &ops.PolicyObject{Deployment: "web", Verb: "fix", Kind: "Deployment", Name: "web", Namespace: "prod", Msg: "not allowed."}},
			"the policy of the deployment `web` does not allow Deployment `web` in namespace `prod`: not allowed. Nothing was pushed and no pull request was opened. `/rigel policy web` shows the policy and how cluster admins change it."},
		{"policy (what the fix builds)", &ops.Policy{Object: &ops.PolicyObject{Deployment: "staging", Verb: "fix", Kind: "Deployment", Name: "staging-web", Namespace: "shop", Built: true, Msg: "no"}},
			"the policy of the deployment `staging` does not allow Deployment `staging-web` in namespace `shop` as the fix builds it: no. Nothing was pushed and no pull request was opened. `/rigel policy staging` shows the policy and how cluster admins change it."},
		{"cannot place", &ops.CannotPlace{Edits: []fix.Edit{{Field: fix.FieldReplicas, Value: "3"}}, Deployment: config.Deployment{Name: "web", Path: "k8s"}, Branch: "main", Base: "0123456789abcdef", Msg: " the value comes from a generator. \n"},
			"Rigel cannot place `replicas=3` in folder `k8s` (deployment `web`, branch `main` at `0123456`): the value comes from a generator. Nothing was changed. Edit the manifest by hand in a pull request, then `/rigel sync web`."},
		{"branches taken", &ops.BranchesTaken{Branches: []string{"rigel/fix-web-1", "rigel/fix-web-1-2"}},
			"Rigel found 2 branches for this fix already in use by other changes (`rigel/fix-web-1`, `rigel/fix-web-1-2`) and does not overwrite branches it did not make. Nothing was pushed. Delete those branches, then run the fix again."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Refusal(tc.err, Comment)
			if !ok || got != tc.want {
				t.Fatalf("Refusal = %v %q\nwant %q", ok, got, tc.want)
			}
		})
	}

	line := "/rigel fix deploy/web -n shop"
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"not linked", &ops.NotLinked{Workload: web},
			"Deployment `web` in namespace `shop` is not linked to a deployment (it has no `helmsman.dev/source-repo` annotation), so Rigel does not know which folder holds its manifest. Nothing was changed. Register the folder that holds its manifest first (`/rigel add-deployment PATH`), then link the workload to it: `/rigel link deployment/web -n shop DEPLOYMENT`, and run `/rigel fix deploy/web -n shop` again."},
		{"linked to a removed deployment", &ops.NotLinked{Workload: web, Name: "gone", Here: []config.Deployment{{Name: "front", Path: "apps/front"}}},
			"Deployment `web` in namespace `shop` is linked to the deployment `gone`, which is not registered (removed?). Nothing was changed. If its manifest is in folder `apps/front`, link it to this repo's deployment `front`: `/rigel link deployment/web -n shop front`; if it is in another folder, register that one first (`/rigel add-deployment PATH`) and link the workload to it. Then run `/rigel fix deploy/web -n shop` again."},
		{"another repository's", fmt.Errorf("x: %w", &ops.LinkedElsewhere{Workload: web, Deployment: "shop", Repo: "acme/other", Verb: "fix"}),
			"Deployment `web` in namespace `shop` belongs to the deployment `shop` of acme/other: a fix is a pull request to that repo. Nothing was changed. Run `/rigel fix deploy/web -n shop` in an issue of acme/other."},
	} {
		t.Run("fix: "+tc.name, func(t *testing.T) {
			got, ok := FixRefusal(tc.err, line)
			if !ok || got != tc.want {
				t.Fatalf("FixRefusal = %v %q\nwant %q", ok, got, tc.want)
			}
		})
	}
	if _, ok := FixRefusal(&ops.LinkedElsewhere{Verb: "link"}, line); ok {
		t.Error("FixRefusal words a link's refusal")
	}
}

func TestLinkHint(t *testing.T) {
	ref := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	line := "/rigel fix deploy/web -n shop"
	if h := LinkHint(ref, nil, line); !strings.Contains(h, "`/rigel add-deployment PATH`") || !strings.Contains(h, "`/rigel link deployment/web -n shop DEPLOYMENT`") {
		t.Errorf("no deployments: %s", h)
	}
	one := []config.Deployment{{Name: "front", Path: "apps/front"}}
	if h := LinkHint(ref, one, line); !strings.Contains(h, "If its manifest is in folder `apps/front`, link it to this repo's deployment `front`: `/rigel link deployment/web -n shop front`") ||
		!strings.Contains(h, "`/rigel add-deployment PATH`") || !strings.Contains(h, "Then run `/rigel fix deploy/web -n shop` again") {
		t.Errorf("one deployment: %s", h)
	}
	two := []config.Deployment{{Name: "front"}, {Name: "api"}}
	if h := LinkHint(ref, two, line); !strings.Contains(h, "(`front`, `api`)") || !strings.Contains(h, "`/rigel link deployment/web -n shop front`") {
		t.Errorf("two deployments: %s", h)
	}
}
