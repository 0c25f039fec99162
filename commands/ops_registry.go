package commands

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
	"path"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// The registry operations: shared by the commands and the HTTP API, so both follow the same
// rules. Refusals are *fault.Invalid worded with the caller's Hints; nothing is changed by them.

// Added is a deployment just registered.
type Added struct {
	Deployment config.Deployment
	Branch     string
	Commit     string // the commit its folder was checked at
	Objects    int    // how many objects the folder renders to there
}

// AddDeployment registers folder of repo entry.Repo as a deployment, by the rules of
// `/rigel add-deployment`: the folder stays inside the repo, holds manifests on entry.Branch
// (fetched from o) that render without error, and is not registered yet; the name, derived from
// the folder when empty, is a DNS label no repo uses yet. A repo not registered yet is
// registered as entry.
func (r *Runner) AddDeployment(ctx context.Context, o Origin, entry config.Repo, folder, name string, h Hints) (*Added, error) {
	folder, err := cleanFolder(folder)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = sync.DeploymentName(folder)
		if name == "" {
			name = sync.DeploymentName(path.Base(entry.Repo))
		}
	}
	if err := config.ValidateName(name); err != nil {
		return nil, userErrorf("%s cannot be a deployment name: %s. Choose another, e.g. %s.", code(short(name)), mdText(err.Error()), h.Named(folder, config.SanitizeName(name)))
	}
	t := ops.BranchTarget(entry.Branch)
	snap, err := r.Fetch(ctx, o, t)
	if err != nil {
		return nil, err
	}
	objs, err := sync.Render(ctx, snap, folder)
	if err != nil {
		return nil, renderError(folder, t, snap.Commit, err, h)
	}
	if len(objs) == 0 {
		return nil, userErrorf("`%s` on %s holds no manifests (no `*.yaml`, `*.yml` or `*.json` with `apiVersion` and `kind`, and no `kustomization.yaml`). %s lists the folders that do.", folder, words.Label(t), h.Folders)
	}
	dep := config.Deployment{Name: name, Path: folder}
	_, err = r.Registry.Update(ctx, func(s *config.Sources) error {
		return s.AddDeployment(entry, dep)
	})
	var taken *config.NameTakenError
	var pathTaken *config.PathTakenError
	var invalid *config.InvalidEntry
	switch {
	case errors.As(err, &taken):
		return nil, userErrorf("the name `%s` is already taken by a deployment of %s (names are unique across all repos). Choose another: %s.", name, taken.Repo, h.Named(folder, name+"-2"))
	case errors.As(err, &pathTaken):
		return nil, userErrorf("`%s` is already registered as `%s`. %s shows the deployments of this repo.", folder, pathTaken.Name, h.Deployments)
	case errors.As(err, &invalid): // the name, or the repo, of an invalid registry entry
		return nil, invalidEntriesError([]*config.InvalidEntry{invalid})
	case err != nil:
		return nil, fmt.Errorf("failed to register %s: %w", name, err)
	}
	return &Added{Deployment: dep, Branch: entry.Branch, Commit: snap.Commit, Objects: len(objs)}, nil
}

// Folders are the folders of a commit that hold manifests.
type Folders struct {
	Label      string            // what was looked at: "branch `main`"
	Commit     string            // the commit it was at
	Folders    []string          // repo-relative, sorted
	Registered map[string]string // folder → the deployment registered for it
}

// ManifestFolders lists the folders of o's repo that hold manifests at ref ("main",
// "refs/heads/main", "refs/tags/v1"), as `/rigel add-deployment` without a path does.
func (r *Runner) ManifestFolders(ctx context.Context, o Origin, ref string) (*Folders, error) {
	return r.folders(ctx, o, ops.RefTarget(ref))
}

func (r *Runner) folders(ctx context.Context, o Origin, t target) (*Folders, error) {
	snap, err := r.Fetch(ctx, o, t)
	if err != nil {
		return nil, err
	}
	folders, err := sync.ManifestFolders(snap)
	if err != nil {
		return nil, fmt.Errorf("failed to look for manifest folders in %s: %w", o.Repo, err)
	}
	src, err := r.Registry.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the registry: %w", err)
	}
	registered := map[string]string{}
	if repo := src.FindRepo(o.Repo); repo != nil {
		for _, d := range repo.Deployments {
			registered[d.Path] = d.Name
		}
	}
	return &Folders{Label: words.Label(t), Commit: snap.Commit, Folders: folders, Registered: registered}, nil
}

// RemoveDeployment forgets the deployment called name; nothing in the cluster changes. With
// fromRepo set, only a deployment of that repo may be removed.
func (r *Runner) RemoveDeployment(ctx context.Context, name, fromRepo string, h Hints) (config.Deployment, error) {
	var removed config.Deployment
	_, err := r.Registry.Update(ctx, func(s *config.Sources) error {
		owner, dep := s.FindDeployment(name)
		switch {
		case dep == nil && s.InvalidDeployment(name) != nil: // a cluster admin's to fix or remove
			return invalidEntriesError([]*config.InvalidEntry{s.InvalidDeployment(name)})
		case dep == nil && fromRepo == "":
			return notFoundf("there is no deployment named %s. %s shows them all.", code(short(name)), h.Deployments)
		case dep == nil:
			return notFoundf("there is no deployment named %s.%s", code(short(name)), knownNamesWith(s.FindRepo(fromRepo), h))
		case fromRepo != "" && !strings.EqualFold(owner.Repo, fromRepo):
			return userErrorf("the deployment `%s` belongs to %s: remove it from a conversation of that repo.", name, owner.Repo)
		}
		removed = *dep
		return s.RemoveDeployment(name)
	})
	if err != nil {
		return removed, refusalOr(err, "failed to remove "+name)
	}
	r.observeRemoved(removed.Name)
	return removed, nil
}

// RegisterRepo registers a repo without deployments, or updates the branch, clone URL and
// installation of a registered one (keeping its deployments). It reports whether the repo
// was new and returns it as stored.
func (r *Runner) RegisterRepo(ctx context.Context, entry config.Repo) (bool, config.Repo, error) {
	if err := config.ValidateRepo(entry); err != nil {
		return false, config.Repo{}, &fault.Invalid{Msg: err.Error()}
	}
	var created bool
	src, err := r.Registry.Update(ctx, func(s *config.Sources) error {
		created = s.PutRepo(entry)
		return nil
	})
	var invalid *config.InvalidEntry
	switch {
	case errors.As(err, &invalid): // the repo's entry in the ConfigMap is invalid: an admin fixes it there
		return false, config.Repo{}, invalidEntriesError([]*config.InvalidEntry{invalid})
	case err != nil:
		return false, config.Repo{}, fmt.Errorf("failed to register %s: %w", entry.Repo, err)
	}
	return created, *src.FindRepo(entry.Repo), nil
}

// RemoveRepo forgets a repo and all its deployments; nothing in the cluster changes.
func (r *Runner) RemoveRepo(ctx context.Context, fullName string, h Hints) (config.Repo, error) {
	var removed config.Repo
	_, err := r.Registry.Update(ctx, func(s *config.Sources) error {
		var err error
		removed, err = s.RemoveRepo(fullName)
		if err != nil {
			return notFoundf("%s is not registered. %s shows the registered repos.", short(fullName), h.Deployments)
		}
		return nil
	})
	if err != nil {
		return removed, refusalOr(err, "failed to remove "+fullName)
	}
	for _, d := range removed.Deployments {
		r.observeRemoved(d.Name)
	}
	return removed, nil
}

// refusalOr returns a refusal (*fault.Invalid) as it is, and wraps any other error with what failed.
func refusalOr(err error, failed string) error {
	if ops.IsRefusal(err) {
		return err
	}
	return fmt.Errorf("%s: %w", failed, err)
}

// cleanFolder checks a folder typed by a person and returns it clean and repo-relative.
func cleanFolder(p string) (string, error) {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':') {
		return "", userErrorf("%s is an absolute path. Give a folder relative to the repository root, e.g. `apps/web/k8s`.", code(short(p)))
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return "", userErrorf("%s has the character %s, which Rigel does not accept in a folder name. Use letters, digits, `.`, `_`, `-` and `/`.", code(short(p)), code(fmt.Sprintf("%q", r)))
		}
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", userErrorf("%s leaves the repository. Give a folder inside it, e.g. `apps/web/k8s`.", code(short(p)))
	}
	return clean, nil
}

// renderError refuses a folder that does not render (words says what is wrong, where, and
// how to fix it).
func renderError(folder string, t target, commit string, err error, _ Hints) error {
	return &ops.RenderFailed{Folder: folder, At: t, Commit: commit, Err: err}
}

// knownNamesWith names the deployments of repo, for a refusal about an unknown one.
func knownNamesWith(repo *config.Repo, h Hints) string {
	if repo == nil || len(repo.Deployments) == 0 {
		return " This repo has none yet: " + h.Add + " registers one."
	}
	s := " This repo has:"
	for i, d := range repo.Deployments {
		if i > 0 {
			s += ","
		}
		s += " `" + d.Name + "`"
	}
	return s + ". " + h.Deployments + " shows them."
}
