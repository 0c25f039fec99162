package commands

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
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
		workloads, lookupErr = c.r.Engine.Kube.FindWorkloads(ctx, sync.AnnotationSourceRepo)
		if lookupErr != nil { // the deployments are still worth showing
			zerolog.Ctx(ctx).Warn().Err(lookupErr).Msg("failed to look up linked workloads")
		}
	}
	return renderList(c.req.Repo.FullName(), repo, workloads, lookupErr), nil
}

// cleanFolder checks a folder typed by a person and returns it clean and repo-relative.
func cleanFolder(p string) (string, error) {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':') {
		return "", userErrorf("`%s` is an absolute path. Give a folder relative to the repository root, e.g. `apps/web/k8s`.", short(p))
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return "", userErrorf("`%s` has the character %q, which Rigel does not accept in a folder name. Use letters, digits, `.`, `_`, `-` and `/`.", short(p), r)
		}
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", userErrorf("`%s` leaves the repository. Give a folder inside it, e.g. `apps/web/k8s`.", short(p))
	}
	return clean, nil
}

func runAddDeployment(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("name"); err != nil {
		return "", err
	}
	if len(c.cmd.Args) > 1 {
		return "", userErrorf("`add-deployment` takes one folder, and %d were given. Register them one at a time.", len(c.cmd.Args))
	}
	t, err := c.head(ctx, c.req.Repo.DefaultBranch)
	if err != nil {
		return "", err
	}
	if c.req.IsPR { // deployments follow the branch, whatever conversation registers them
		t = target{Ref: "refs/heads/" + c.req.Repo.DefaultBranch, Label: "branch `" + c.req.Repo.DefaultBranch + "`"}
	}
	if len(c.cmd.Args) == 0 {
		return c.listFolders(ctx, t)
	}
	folder, err := cleanFolder(c.cmd.Args[0])
	if err != nil {
		return "", err
	}
	name, named := c.cmd.Flag("name")
	if !named {
		name = sync.DeploymentName(folder)
		if name == "" {
			name = sync.DeploymentName(c.req.Repo.Name)
		}
	}
	if err := config.ValidateName(name); err != nil {
		return "", userErrorf("`%s` cannot be a deployment name: %v. Choose another with `--name`.", short(name), err)
	}
	snap, err := c.fetch(ctx, t)
	if err != nil {
		return "", err
	}
	objs, err := sync.Render(snap, folder)
	if err != nil {
		return "", renderError(folder, t, snap.Commit, err)
	}
	if len(objs) == 0 {
		return "", userErrorf("`%s` on %s holds no manifests (no `*.yaml`, `*.yml` or `*.json` with `apiVersion` and `kind`, and no `kustomization.yaml`). `/rigel add-deployment` without a path lists the folders that do.", folder, t.Label)
	}
	dep := config.Deployment{Name: name, Path: folder}
	_, err = c.r.Registry.Update(ctx, func(s *config.Sources) error {
		return s.AddDeployment(c.repoEntry(), dep)
	})
	var taken *config.NameTakenError
	var pathTaken *config.PathTakenError
	switch {
	case errors.As(err, &taken):
		return "", userErrorf("the name `%s` is already taken by a deployment of %s (names are unique across all repos). Choose another: `/rigel add-deployment %s --name %s-2`.", name, taken.Repo, folder, name)
	case errors.As(err, &pathTaken):
		return "", userErrorf("`%s` is already registered as `%s`. `/rigel list` shows the deployments of this repo.", folder, pathTaken.Name)
	case err != nil:
		return "", fmt.Errorf("failed to register %s: %w", name, err)
	}
	return renderAdded(c.req.Repo.FullName(), dep, c.req.Repo.DefaultBranch, snap.Commit, len(objs)), nil
}

func (c *call) listFolders(ctx context.Context, t target) (string, error) {
	snap, err := c.fetch(ctx, t)
	if err != nil {
		return "", err
	}
	folders, err := sync.ManifestFolders(snap)
	if err != nil {
		return "", fmt.Errorf("failed to look for manifest folders in %s: %w", c.req.Repo.FullName(), err)
	}
	src, err := c.r.Registry.Load(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the registry: %w", err)
	}
	registered := map[string]string{}
	if repo := src.FindRepo(c.req.Repo.FullName()); repo != nil {
		for _, d := range repo.Deployments {
			registered[d.Path] = d.Name
		}
	}
	return renderFolders(c.req.Repo.FullName(), t.Label, snap.Commit, folders, registered), nil
}

func runRemoveDeployment(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags(); err != nil {
		return "", err
	}
	if len(c.cmd.Args) != 1 {
		return "", userErrorf("`remove-deployment` takes one deployment name, e.g. `/rigel remove-deployment web`.")
	}
	name := c.cmd.Args[0]
	var removed config.Deployment
	_, err := c.r.Registry.Update(ctx, func(s *config.Sources) error {
		owner, dep := s.FindDeployment(name)
		if dep == nil {
			return userErrorf("there is no deployment named `%s`.%s", short(name), knownNames(s.FindRepo(c.req.Repo.FullName())))
		}
		if owner.Repo != c.req.Repo.FullName() {
			return userErrorf("the deployment `%s` belongs to %s: remove it from a conversation of that repo.", name, owner.Repo)
		}
		removed = *dep
		return s.RemoveDeployment(name)
	})
	if err != nil {
		var ue *UserError
		if errors.As(err, &ue) {
			return "", ue
		}
		return "", fmt.Errorf("failed to remove %s: %w", name, err)
	}
	c.r.observeRemoved(removed.Name)
	return renderRemoved(removed), nil
}

// renderError turns a rendering failure into a reply: what is wrong, where, how to fix it.
func renderError(folder string, t target, commit string, err error) error {
	var pe *sync.ParseError
	var pathErr *sync.PathError
	switch {
	case errors.As(err, &pe):
		return userErrorf("a manifest in `%s` does not parse (%s, `%s`): **%s** line %d: %s. Fix the file and push, then run the command again.", folder, t.Label, shortSHA(commit), pe.File, pe.Line, pe.Msg)
	case errors.As(err, &pathErr):
		return userErrorf("`%s` on %s (`%s`): %s. `/rigel add-deployment` without a path lists the folders that hold manifests.", pathErr.Path, t.Label, shortSHA(commit), strings.TrimSuffix(pathErr.Reason, "."))
	case errors.Is(err, fs.ErrNotExist):
		return userErrorf("there is no folder `%s` on %s (`%s`). `/rigel add-deployment` without a path lists the folders that hold manifests.", folder, t.Label, shortSHA(commit))
	}
	return userErrorf("`%s` on %s (`%s`) cannot be rendered: %v", folder, t.Label, shortSHA(commit), err)
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
