package commands

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

func TestAdminFlagsShown(t *testing.T) {
	web := config.Deployment{Name: "web", Path: "apps/web", Prune: true, ApplyOn: config.ApplyOnMerge, DriftIssue: true}
	api := config.Deployment{Name: "api", Path: "apps/api"}
	odd := config.Deployment{Name: "odd", Path: "apps/odd", ApplyOn: "`weird`|"}
	pushed := config.Deployment{Name: "pushed", Path: "apps/pushed", ApplyOn: config.ApplyOnPush, Report: "issue#12",
		LastSync: &config.LastSync{Commit: "0123456789abcdef0123456789abcdef01234567", Status: "Succeeded", Kind: config.SyncKindRollback}}
	list := renderList("acme/shop", &config.Repo{Repo: "acme/shop", Branch: "main", Deployments: []config.Deployment{web, api, odd, pushed}}, nil, nil, nil)
	for _, want := range []string{"Set by cluster admins in the registry:",
		"- `pushed`: `applyOn: push` (a push to its branch that changes its inputs applies it; the outcome: a comment on issue #12)",
		"| `0123456` | Succeeded, by rollback |",
		"- `web`: `prune: true` (every apply deletes what the folder no longer renders), `applyOn: merge` (the merge of an approved pull request also applies it), `driftIssue: true` (a tracking issue while it drifts)",
		"- `odd`: applyOn: "} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	if _, notes, _ := strings.Cut(list, "Set by cluster admins"); strings.Contains(strings.Split(notes, "Workloads")[0], "`api`") {
		t.Errorf("list shows settings of a deployment with none:\n%s", list)
	}
	if got := renderList("acme/shop", &config.Repo{Repo: "acme/shop", Branch: "main", Deployments: []config.Deployment{api}}, nil, nil, nil); strings.Contains(got, "cluster admins") {
		t.Errorf("list of defaults mentions admins' settings:\n%s", got)
	}
	pol := renderPolicy(web, config.Policy{}, nil, "rigel")
	if !strings.Contains(pol, "**Also set by cluster admins** for `web` in the registry: `prune: true`") {
		t.Errorf("policy:\n%s", pol)
	}
	if strings.Contains(renderPolicy(api, config.Policy{}, nil, "rigel"), "Also set by cluster admins") {
		t.Error("policy of defaults mentions admins' settings")
	}
}
