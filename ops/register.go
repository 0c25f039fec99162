package ops

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// The registry operations, by the same rules whichever way in asks: register a folder as a
// deployment, list the folders that could be one, forget a deployment, register and forget a
// repository. Refusals are refusals_registry.go's (and *NotFound, *Invalid, *RenderFailed);
// nothing is changed by them.

// Added is a deployment just registered.
type Added struct {
	Deployment config.Deployment
	Branch     string
	Commit     string // the commit its folder was checked at
	Objects    int    // how many objects the folder renders to there
	Chart      bool   // the folder holds a Helm chart (issue 13), rendered with Deployment.Chart
}

// RenderSettings are how a folder registered as a deployment renders: the settings of the
// Helm chart it holds (issue 13), or of its *.jsonnet files (issue 17); zero: the defaults.
type RenderSettings struct {
	Chart   *config.Chart
	Jsonnet *config.Jsonnet
}

// Register registers folder of repo entry.Repo as a deployment, by the rules of
// `/rigel add-deployment`: the folder stays inside the repo, holds manifests on entry.Branch
// (fetched from o) that render without error, and is not registered yet; the name, derived from
// the folder when empty, is a DNS label no repo uses yet. A repo not registered yet is
// registered as entry. set.Chart (nil: none) are the settings of the Helm chart the folder
// holds (issue 13, chart.go): valid, for a chart folder, naming files the repository has;
// set.Jsonnet (nil: none) are those of its *.jsonnet files (issue 17, jsonnet.go): valid, for a
// folder that renders *.jsonnet files, naming lib folders the repository has. One folder may be
// several deployments with different settings.
func (s *Service) Register(ctx context.Context, o Origin, entry config.Repo, folder, name string, set RenderSettings) (*Added, error) {
	folder, err := cleanFolder(folder)
	if err != nil {
		return nil, err
	}
	chart, jsonnet := cleanChart(set.Chart), cleanJsonnet(set.Jsonnet)
	if name == "" {
		name = sync.DeploymentName(folder)
		if name == "" {
			name = sync.DeploymentName(path.Base(entry.Repo))
		}
	}
	if err := config.ValidateName(name); err != nil {
		return nil, &BadName{Name: name, Reason: err.Error(), Folder: folder, Suggest: config.SanitizeName(name)}
	}
	if chart != nil {
		if problems := chart.Problems(folder); len(problems) > 0 {
			return nil, &BadChart{Folder: folder, Name: name, Problems: problems}
		}
	}
	if jsonnet != nil {
		if problems := jsonnet.Problems(); len(problems) > 0 {
			return nil, &BadJsonnet{Folder: folder, Name: name, Problems: problems}
		}
	}
	t := BranchTarget(entry.Branch)
	snap, err := s.Fetch(ctx, o, t)
	if err != nil {
		return nil, err
	}
	if err := checkChart(snap, folder, chart, t, snap.Commit); err != nil {
		return nil, err
	}
	if p := releaseProblem(snap, folder, name, chart); p != "" {
		return nil, &BadChart{Folder: folder, Name: name, Problems: []string{p}}
	}
	if p := jsonnetProblems(snap, folder, jsonnet); len(p) > 0 { // jsonnet.go
		return nil, &BadJsonnet{Folder: folder, Name: name, Problems: p, At: t, Commit: snap.Commit}
	}
	dep := config.Deployment{Name: name, Path: folder, Chart: chart, Jsonnet: jsonnet}
	objs, err := s.render(ctx, snap, dep)
	var empty *sync.EmptyFolderError
	if errors.As(err, &empty) { // issue 17: said with what the folder holds
		return nil, &NoManifests{Folder: folder, At: t, Commit: snap.Commit, Found: empty.Found}
	}
	if err != nil {
		return nil, &RenderFailed{Folder: folder, At: t, Commit: snap.Commit, Err: err}
	}
	if len(objs) == 0 {
		return nil, &NoManifests{Folder: folder, At: t, Commit: snap.Commit}
	}
	_, err = s.Registry.Update(ctx, func(src *config.Sources) error {
		return src.AddDeployment(entry, dep)
	})
	var taken *config.NameTakenError
	var pathTaken *config.PathTakenError
	var invalid *config.InvalidEntry
	var badChart *config.InvalidChartError
	var badJsonnet *config.InvalidJsonnetError
	switch {
	case errors.As(err, &badChart): // checked above: only a rule of the registry's own
		return nil, &BadChart{Folder: folder, Name: name, Problems: badChart.Problems}
	case errors.As(err, &badJsonnet): // the same
		return nil, &BadJsonnet{Folder: folder, Name: name, Problems: badJsonnet.Problems}
	case errors.As(err, &taken):
		return nil, &Taken{Why: TakenName, Name: name, Folder: folder, Repo: taken.Repo}
	case errors.As(err, &pathTaken):
		return nil, &Taken{Why: TakenFolder, Name: name, Folder: folder, By: pathTaken.Name, Chart: isChart(snap, folder), Jsonnet: holdsJsonnet(snap, folder)}
	case errors.As(err, &invalid): // the name, or the repo, of an invalid registry entry
		return nil, &InvalidEntries{Entries: []*config.InvalidEntry{invalid}}
	case err != nil:
		return nil, fmt.Errorf("failed to register %s: %w", name, err)
	}
	return &Added{Deployment: dep, Branch: entry.Branch, Commit: snap.Commit, Objects: len(objs), Chart: isChart(snap, folder)}, nil
}

// FolderList is the folders of a commit that hold manifests.
type FolderList struct {
	At         Target            // what was looked at
	Commit     string            // the commit it was at
	Folders    []string          // repo-relative, sorted
	Registered map[string]string // folder → the deployment registered for it (the first by name, for a chart folder of several)
	// Charts (issue 13) are the folders of Folders that hold a Helm chart, with their values
	// files and every deployment registered for each.
	Charts map[string]ChartFolder
}

// Folders lists the folders of o's repo that hold manifests at t, as `/rigel add-deployment`
// without a path does, with the deployment registered for each.
func (s *Service) Folders(ctx context.Context, o Origin, t Target) (*FolderList, error) {
	snap, err := s.Fetch(ctx, o, t)
	if err != nil {
		return nil, err
	}
	folders, err := sync.ManifestFolders(snap)
	if err != nil {
		return nil, fmt.Errorf("failed to look for manifest folders in %s: %w", o.Repo, err)
	}
	charts, err := chartFolders(snap) // chart.go
	if err != nil {
		return nil, fmt.Errorf("failed to look for Helm charts in %s: %w", o.Repo, err)
	}
	for f := range charts {
		if !slices.Contains(folders, f) {
			folders = append(folders, f)
		}
	}
	slices.Sort(folders)
	src, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	registered := map[string]string{}
	if repo := src.FindRepo(o.Repo); repo != nil {
		for _, d := range repo.Deployments {
			if had, ok := registered[d.Path]; !ok || d.Name < had {
				registered[d.Path] = d.Name
			}
			if c, ok := charts[d.Path]; ok {
				c.Deployments = append(c.Deployments, d.Name)
				slices.Sort(c.Deployments)
				charts[d.Path] = c
			}
		}
	}
	return &FolderList{At: t, Commit: snap.Commit, Folders: folders, Registered: registered, Charts: charts}, nil
}

// Forgotten is what Forget did: the deployment it removed from the registry, and the parent
// ConfigMap of its inventory it deleted (the objects the deployment applied stay).
type Forgotten struct {
	config.Deployment
	// Inventory is the name of the ApplySet parent deleted ("" when there was none).
	Inventory string `json:"inventory,omitempty"`
	// InventoryErr says why the parent could not be deleted; the deployment is forgotten all
	// the same (a cluster admin deletes the ConfigMap).
	InventoryErr error `json:"-"`
}

// Forget forgets the deployment called name and deletes its inventory's parent ConfigMap
// (Inventories); the objects it applied stay in the cluster, as they are. With fromRepo
// set (a conversation of that repo asks), only a deployment of that repo may be forgotten.
func (s *Service) Forget(ctx context.Context, name, fromRepo string) (Forgotten, error) {
	var removed Forgotten
	_, err := s.Registry.Update(ctx, func(src *config.Sources) error {
		owner, dep := src.FindDeployment(name)
		switch {
		case dep == nil && src.InvalidDeployment(name) != nil: // a cluster admin's to fix or remove
			return &InvalidEntries{Entries: []*config.InvalidEntry{src.InvalidDeployment(name)}}
		case dep == nil:
			return deploymentNotFound(name, fromRepo, src)
		case fromRepo != "" && !strings.EqualFold(owner.Repo, fromRepo):
			return &OtherRepo{Deployment: name, Repo: owner.Repo, Verb: Forgetting}
		}
		removed.Deployment = *dep
		return src.RemoveDeployment(name)
	})
	if err != nil {
		return removed, refusalOr(err, "failed to remove "+name)
	}
	s.observeRemoved(removed.Name)
	s.forgetHold(ctx, removed.Name) // pull_holds.go
	removed.Inventory, removed.InventoryErr = s.forgetInventory(ctx, removed.Name)
	return removed, nil
}

// forgetInventory deletes the inventory parent of a forgotten deployment, when the Planner
// keeps inventories; a failure is logged and returned for the reply to say.
func (s *Service) forgetInventory(ctx context.Context, name string) (string, error) {
	inv, ok := s.Planner.(Inventories)
	if !ok {
		return "", nil
	}
	parent, err := inv.ForgetInventory(ctx, name)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("deployment", name).Msg("inventory of a removed deployment not deleted")
	}
	return parent, err
}

// RegisterRepo registers a repo without deployments, or updates the branch, clone URL and
// installation of a registered one (keeping its deployments). It reports whether the repo
// was new and returns it as stored.
func (s *Service) RegisterRepo(ctx context.Context, entry config.Repo) (bool, config.Repo, error) {
	if err := config.ValidateRepo(entry); err != nil {
		return false, config.Repo{}, &Invalid{Msg: err.Error()}
	}
	var created bool
	src, err := s.Registry.Update(ctx, func(src *config.Sources) error {
		created = src.PutRepo(entry)
		return nil
	})
	var invalid *config.InvalidEntry
	switch {
	case errors.As(err, &invalid): // the repo's entry in the ConfigMap is invalid: an admin fixes it there
		return false, config.Repo{}, &InvalidEntries{Entries: []*config.InvalidEntry{invalid}}
	case err != nil:
		return false, config.Repo{}, fmt.Errorf("failed to register %s: %w", entry.Repo, err)
	}
	return created, *src.FindRepo(entry.Repo), nil
}

// RemoveRepo forgets a repo and all its deployments, and deletes their inventories' parent
// ConfigMaps (as Forget); the objects they applied stay. A repo
// not registered is a *NotFound of KindRepository.
func (s *Service) RemoveRepo(ctx context.Context, fullName string) (config.Repo, error) {
	var removed config.Repo
	_, err := s.Registry.Update(ctx, func(src *config.Sources) error {
		var err error
		removed, err = src.RemoveRepo(fullName)
		return err
	})
	if err != nil {
		return removed, refusalOr(err, "failed to remove "+fullName)
	}
	for _, d := range removed.Deployments {
		s.observeRemoved(d.Name)
		_, _ = s.forgetInventory(ctx, d.Name) // logged; the repo is forgotten all the same
	}
	return removed, nil
}

// CheckCloneURL refuses a clone URL of repo off the one git host Rigel sends credentials to.
func (s *Service) CheckCloneURL(repo, cloneURL string) error {
	return s.Source.Host().Check(repo, cloneURL)
}

// refusalOr returns the refusal err holds as it is (the registry wraps what its mutation
// refused), and wraps any other error with what failed.
func refusalOr(err error, failed string) error {
	var r Refusal
	if errors.As(err, &r) {
		return r
	}
	return fmt.Errorf("%s: %w", failed, err)
}

// cleanFolder checks a folder typed by a person and returns it clean and repo-relative.
func cleanFolder(p string) (string, error) {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':') {
		return "", &BadFolder{Folder: p, Why: FolderAbsolute}
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return "", &BadFolder{Folder: p, Why: FolderChar, Char: r}
		}
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", &BadFolder{Folder: p, Why: FolderOutside}
	}
	return clean, nil
}
