package commands

import (
	"context"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

func runHelp(_ context.Context, c *call) (string, error) {
	return renderHelp(c.r.verbs(), ""), nil
}

func runList(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags(); err != nil {
		return "", err
	}
	src, err := c.r.Registry.Load(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the registry: %w", err)
	}
	repo := src.FindRepo(c.req.Repo.FullName())
	var workloads map[string][]kube.WorkloadRef
	var lookupErr error
	if repo != nil && len(repo.Deployments) > 0 {
		workloads, lookupErr = c.r.Workloads.FindWorkloads(ctx, sync.AnnotationSourceRepo)
		if lookupErr != nil { // the deployments are still worth showing
			zerolog.Ctx(ctx).Warn().Err(lookupErr).Msg("failed to look up linked workloads")
		}
	}
	return renderList(c.req.Repo.FullName(), repo, workloads, lookupErr) + invalidEntriesNote(src, c.req.Repo.FullName()), nil
}

func runAddDeployment(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("name", "namespaces"); err != nil {
		return "", err
	}
	if len(c.cmd.Args) > 1 {
		return "", userErrorf("`add-deployment` takes one folder, and %d were given. Register them one at a time.", len(c.cmd.Args))
	}
	if len(c.cmd.Args) == 0 { // deployments follow the branch, whatever conversation registers them
		return c.listFolders(ctx, ops.BranchTarget(c.req.Repo.DefaultBranch))
	}
	pol, err := c.initialPolicy(ctx)
	if err != nil {
		return "", err
	}
	name, _ := c.cmd.Flag("name")
	added, err := c.r.AddDeployment(ctx, c.origin(), c.repoEntry(), c.cmd.Args[0], name, commentHints)
	if err != nil {
		return "", err
	}
	if pol != nil {
		if err := c.r.setPolicy(ctx, added.Deployment.Name, pol); err != nil {
			return "", fmt.Errorf("registered %s, but %w; `/rigel policy %s` shows what it has", added.Deployment.Name, err, added.Deployment.Name)
		}
		added.Deployment.Policy = pol
	}
	return renderAdded(c.req.Repo.FullName(), added.Deployment, added.Branch, added.Commit, added.Objects), nil
}

func (c *call) listFolders(ctx context.Context, t target) (string, error) {
	f, err := c.r.folders(ctx, c.origin(), t)
	if err != nil {
		return "", err
	}
	return renderFolders(c.req.Repo.FullName(), f.Label, f.Commit, f.Folders, f.Registered), nil
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
	removed, err := c.r.RemoveDeployment(ctx, c.cmd.Args[0], c.req.Repo.FullName(), commentHints)
	if err != nil {
		return "", err
	}
	return renderRemoved(removed), nil
}
