package commands

import (
	"context"
	"fmt"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// The registry's commands: each parses its line, calls one operation of the service
// (ops/register.go, ops/list.go) and renders its result (registry_render.go); refusals are
// worded by package words.

func runHelp(_ context.Context, c *call) (string, error) {
	return renderHelp(c.r.verbs(), ""), nil
}

func runList(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags(); err != nil {
		return "", err
	}
	l, err := c.r.Ops.List(ctx, c.req.Repo.FullName())
	if err != nil {
		return "", err
	}
	return renderList(l.Repo, l.Entry, l.Workloads, l.WorkloadsErr, l.Drift, l.Holds...) + invalidEntriesNote(l.Invalid, l.Repo), nil
}

func runAddDeployment(ctx context.Context, c *call) (string, error) {
	allowed := append(append([]string{"name", "namespaces"}, chartFlags...), jsonnetFlags...) // registry_chart.go, registry_jsonnet.go
	if err := c.checkFlags(allowed...); err != nil {
		return "", err
	}
	if len(c.cmd.Args) > 1 {
		return "", userErrorf("`add-deployment` takes one folder, and %d were given. Register them one at a time.", len(c.cmd.Args))
	}
	chart, err := c.chartSettings() // registry_chart.go
	if err != nil {
		return "", err
	}
	jsonnet, err := c.jsonnetSettings() // registry_jsonnet.go
	if err != nil {
		return "", err
	}
	if len(c.cmd.Args) == 0 && chart != nil {
		return "", userErrorf("the chart flags (`--values`, `--release`, `--namespace`, `--set-file`) need the chart folder, e.g. `/rigel add-deployment charts/web --values values-prod.yaml`; `/rigel add-deployment` alone lists the folders. Nothing was registered.")
	}
	if len(c.cmd.Args) == 0 && jsonnet != nil {
		return "", userErrorf("the jsonnet flags (`--tla`, `--ext-var`, `--jsonnet-lib`) need the folder of the *.jsonnet files, e.g. `/rigel add-deployment apps/guestbook --tla env=prod`; `/rigel add-deployment` alone lists the folders. Nothing was registered.")
	}
	if len(c.cmd.Args) == 0 { // deployments follow the branch, whatever conversation registers them
		return c.listFolders(ctx, ops.BranchTarget(c.req.Repo.DefaultBranch))
	}
	pol, err := c.initialPolicy(ctx)
	if err != nil {
		return "", err
	}
	name, _ := c.cmd.Flag("name")
	added, err := c.r.Ops.Register(ctx, c.origin(), c.repoEntry(), c.cmd.Args[0], name, ops.RenderSettings{Chart: chart, Jsonnet: jsonnet})
	if err != nil {
		return "", err
	}
	if pol != nil {
		if err := c.r.setPolicy(ctx, added.Deployment.Name, pol); err != nil {
			return "", fmt.Errorf("registered %s, but %w; `/rigel policy %s` shows what it has", added.Deployment.Name, err, added.Deployment.Name)
		}
		added.Deployment.Policy = pol
	}
	return renderAdded(c.req.Repo.FullName(), added), nil
}

func (c *call) listFolders(ctx context.Context, t target) (string, error) {
	f, err := c.r.Ops.Folders(ctx, c.origin(), t)
	if err != nil {
		return "", err
	}
	return renderFolders(c.req.Repo.FullName(), words.Label(f.At), f.Commit, f.Folders, f.Registered, f.Charts), nil
}

func runRemoveDeployment(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags(); err != nil {
		return "", err
	}
	if len(c.cmd.Args) != 1 {
		return "", userErrorf("`remove-deployment` takes one deployment name, e.g. `/rigel remove-deployment web`.")
	}
	if err := c.guardRemove(ctx, c.cmd.Args[0]); err != nil {
		return "", err
	}
	removed, err := c.r.Ops.Forget(ctx, c.cmd.Args[0], c.req.Repo.FullName())
	if err != nil {
		return "", err
	}
	return renderRemoved(removed), nil
}

// renderError refuses a folder that does not render (words says what is wrong, where, and
// how to fix it). ops_plan.go uses it until it moves into ops.
func renderError(folder string, t target, commit string, err error, _ Hints) error {
	return &ops.RenderFailed{Folder: folder, At: t, Commit: commit, Err: err}
}
