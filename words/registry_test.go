package words

import (
	"fmt"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// apiHints are the HTTP API's (api/request.go), for the refusals that name a next step.
var apiHints = Hints{
	Folders:     "`GET /api/git/repo-tree?repo=OWNER/NAME`",
	Deployments: "`GET /api/git/sources`",
	Add:         "`POST /api/git/sources/deployment`",
	Named: func(folder, name string) string {
		return fmt.Sprintf("`POST /api/git/sources/deployment` with `\"path\": %q, \"name\": %q`", folder, name)
	},
}

// TestRegistryWords: each registry refusal in the exact words the replies had before the
// operations moved into ops (checked against the commands of then, case by case).
func TestRegistryWords(t *testing.T) {
	entry := &config.InvalidEntry{Repo: "acme/web", Deployment: "broken", Problems: []string{`path "../x" must not leave the repo: write the folder relative to the repository root, e.g. apps/web/k8s`}}
	quoted := "```text\nthe entry of deployment \"broken\" (repo acme/web) in ConfigMap helmsman-git-sources is invalid: path \"../x\" must not leave the repo: write the folder relative to the repository root, e.g. apps/web/k8s. Rigel ignores it until a cluster admin fixes it in the ConfigMap (it is kept as it is meanwhile)\n```"
	main := ops.BranchTarget("main")
	tests := []struct {
		name  string
		err   error
		hints Hints
		want  string
	}{
		{"unknown deployment, from the API", &ops.NotFound{Kind: ops.KindDeployment, Name: "nosuch"}, apiHints,
			"there is no deployment named `nosuch`. `GET /api/git/sources` shows them all."},
		{"unknown deployment, from a repo", &ops.NotFound{Kind: ops.KindDeployment, Name: "nosuch", Repo: "acme/web", Known: []string{"api", "web"}}, Comment,
			"there is no deployment named `nosuch`. This repo has: `api`, `web`. `/rigel list` shows them."},
		{"unknown deployment, from a repo without any", &ops.NotFound{Kind: ops.KindDeployment, Name: "`x`<!--", Repo: "acme/none", Known: []string{}}, Comment,
			"there is no deployment named `'x'<\u200d!--`. This repo has none yet: `/rigel add-deployment PATH` registers one."},
		{"unknown repository", &ops.NotFound{Kind: ops.KindRepository, Name: "acme/<!--x"}, apiHints,
			"acme/<\u200d!--x is not registered. `GET /api/git/sources` shows the registered repos."},
		{"absolute folder", &ops.BadFolder{Folder: "c:/k8s", Why: ops.FolderAbsolute}, Comment,
			"`c:/k8s` is an absolute path. Give a folder relative to the repository root, e.g. `apps/web/k8s`."},
		{"a character", &ops.BadFolder{Folder: "apps/wéb", Why: ops.FolderChar, Char: 'é'}, Comment,
			"`apps/wéb` has the character `'é'`, which Rigel does not accept in a folder name. Use letters, digits, `.`, `_`, `-` and `/`."},
		{"outside the repo", &ops.BadFolder{Folder: "../../etc", Why: ops.FolderOutside}, Comment,
			"`../../etc` leaves the repository. Give a folder inside it, e.g. `apps/web/k8s`."},
		{"bad name", &ops.BadName{Name: "Bad_Name", Reason: "invalid deployment name \"Bad_Name\": not a label", Folder: "apps/new", Suggest: "bad-name"}, apiHints,
			"`Bad_Name` cannot be a deployment name: invalid deployment name \"Bad_Name\": not a label. Choose another, e.g. `POST /api/git/sources/deployment` with `\"path\": \"apps/new\", \"name\": \"bad-name\"`."},
		{"no manifests", &ops.NoManifests{Folder: "docs", At: main, Commit: "0123456789"}, Comment,
			"`docs` on branch `main` holds no manifests (no `*.yaml`, `*.yml` or `*.json` with `apiVersion` and `kind`, no `*.jsonnet`, and no `kustomization.yaml`). `/rigel add-deployment` without a path lists the folders that do."},
		{"no manifests, with what it holds", &ops.NoManifests{Folder: "docs", At: main, Commit: "0123456789", Found: []string{"a_b.txt: not a manifest", "… and 2 more"}}, Comment,
			"`docs` on branch `main` holds no manifests (no `*.yaml`, `*.yml` or `*.json` with `apiVersion` and `kind`, no `*.jsonnet`, and no `kustomization.yaml`). `/rigel add-deployment` without a path lists the folders that do.\n\nWhat it holds:\n- `a_b.txt`: not a manifest\n- … and 2 more\n"},
		{"name taken", &ops.Taken{Why: ops.TakenName, Name: "other", Folder: "apps/new", Repo: "acme/other"}, Comment,
			"the name `other` is already taken by a deployment of acme/other (names are unique across all repos). Choose another: `/rigel add-deployment apps/new --name other-2`."},
		{"folder taken", &ops.Taken{Why: ops.TakenFolder, Name: "web2", Folder: "apps/web", By: "web"}, apiHints,
			"`apps/web` is already registered as `web`. `GET /api/git/sources` shows the deployments of this repo."},
		{"invalid entries", &ops.InvalidEntries{Entries: []*config.InvalidEntry{entry}}, Comment,
			"the registry entry this command needs is invalid, so Rigel ignores it. Nothing was done.\n\n" + quoted},
		{"no deployments", &ops.NoDeployments{Repo: "acme/none"}, Comment,
			"acme/none has no deployments yet. Register a folder first: `/rigel add-deployment PATH` (or `/rigel add-deployment` to see the folders that hold manifests)."},
		{"ambiguous", &ops.Ambiguous{Repo: "acme/web", Deployments: []string{"api", "web"}, Verb: "diff"}, Comment,
			"acme/web has 2 deployments: say which, e.g. `/rigel diff api`, or `/rigel diff --all`."},
		{"another repo's, to forget", &ops.OtherRepo{Deployment: "other", Repo: "acme/other", Verb: ops.Forgetting}, Comment,
			"the deployment `other` belongs to acme/other: remove it from a conversation of that repo."},
		{"another repo's", &ops.OtherRepo{Deployment: "other", Repo: "acme/other", Verb: "apply"}, Comment,
			"the deployment `other` belongs to acme/other: run `/rigel apply other` in a conversation of that repo."},
		{"wrapped, as the registry returns it", fmt.Errorf("failed to update ConfigMap rigel/helmsman-git-sources: %w", &ops.NotFound{Kind: ops.KindRepository, Name: "acme/x"}), Comment,
			"acme/x is not registered. `/rigel list` shows the registered repos."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Refusal(tc.err, tc.hints)
			if !ok || got != tc.want {
				t.Fatalf("Refusal = %v, %q\nwant %q", ok, got, tc.want)
			}
		})
	}
}
