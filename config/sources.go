package config

import (
	"sort"
	"strings"
)

// FindRepo returns the registered repo named fullName ("owner/name", case-insensitive, as
// on GitHub), or nil. The pointer points into s.Repos.
func (s *Sources) FindRepo(fullName string) *Repo {
	for i := range s.Repos {
		if strings.EqualFold(s.Repos[i].Repo, fullName) {
			return &s.Repos[i]
		}
	}
	return nil
}

// FindDeployment returns the deployment called name and its repo, or nil, nil. Names are
// unique across all repos. The pointers point into s.
func (s *Sources) FindDeployment(name string) (*Repo, *Deployment) {
	for i := range s.Repos {
		r := &s.Repos[i]
		for j := range r.Deployments {
			if r.Deployments[j].Name == name {
				return r, &r.Deployments[j]
			}
		}
	}
	return nil, nil
}

// AddDeployment registers d under repo (repo.Deployments is ignored). It fails with
// *InvalidNameError, *InvalidPathError, *InvalidChartError, *NameTakenError when the name is
// used by any repo, or *PathTakenError when the same folder of the same repo is registered
// under another name with the same chart settings (one chart folder may be several
// deployments with different settings, issue 13).
// For a repo already registered, a non-empty CloneURL, non-zero InstallationID, and a
// Branch when none was recorded update the entry.
func (s *Sources) AddDeployment(repo Repo, d Deployment) error {
	if err := ValidateName(d.Name); err != nil {
		return err
	}
	p, err := CleanPath(d.Path)
	if err != nil {
		return err
	}
	d.Path = p
	if err := ValidateChart(d); err != nil {
		return err
	}
	if err := ValidateJsonnet(d); err != nil {
		return err
	}
	if r, _ := s.FindDeployment(d.Name); r != nil {
		return &NameTakenError{Name: d.Name, Repo: r.Repo}
	}
	existing := s.FindRepo(repo.Repo)
	if existing == nil {
		repo.Deployments = []Deployment{d}
		s.Repos = append(s.Repos, repo)
		return nil
	}
	for _, other := range existing.Deployments {
		if other.Path == d.Path && SameChart(other.Chart, d.Chart) && SameJsonnet(other.Jsonnet, d.Jsonnet) {
			return &PathTakenError{Repo: existing.Repo, Path: d.Path, Name: other.Name}
		}
	}
	if repo.CloneURL != "" {
		existing.CloneURL = repo.CloneURL
	}
	if repo.InstallationID != 0 {
		existing.InstallationID = repo.InstallationID
	}
	if existing.Branch == "" {
		existing.Branch = repo.Branch
	}
	existing.Deployments = append(existing.Deployments, d)
	return nil
}

// RemoveDeployment unregisters the deployment called name (a *fault.NotFound of
// KindDeployment when there is none) and drops its repo when that was the repo's last
// deployment.
func (s *Sources) RemoveDeployment(name string) error {
	for i := range s.Repos {
		r := &s.Repos[i]
		for j := range r.Deployments {
			if r.Deployments[j].Name != name {
				continue
			}
			r.Deployments = append(r.Deployments[:j], r.Deployments[j+1:]...)
			if len(r.Deployments) == 0 {
				s.Repos = append(s.Repos[:i], s.Repos[i+1:]...)
			}
			return nil
		}
	}
	if removed := s.removeInvalid(func(e *InvalidEntry) bool { return e.Deployment != name }); len(removed) > 0 {
		return nil // an invalid entry, removed on purpose
	}
	return deploymentNotFound(name)
}

// SetLastSync records the last apply of the deployment called name (a *fault.NotFound of
// KindDeployment when there is none). The LastSync it replaces goes first into the
// deployment's History, which keeps HistoryLimit entries.
func (s *Sources) SetLastSync(name string, ls LastSync) error {
	return s.SetLastSyncKeeping(name, ls, HistoryLimit)
}

// SetLastSyncKeeping is SetLastSync with a History of at most keep entries (RIGEL_SYNC_HISTORY;
// keep < 1: HistoryLimit). A history longer than keep (the setting was lowered) loses its
// oldest entries now.
func (s *Sources) SetLastSyncKeeping(name string, ls LastSync, keep int) error {
	_, d := s.FindDeployment(name)
	if d == nil {
		return deploymentNotFound(name)
	}
	if keep < 1 {
		keep = HistoryLimit
	}
	if d.LastSync != nil {
		prev := *d.LastSync
		prev.Message = "" // the history keeps what a rollback needs; the message stays with LastSync
		d.History = append([]LastSync{prev}, d.History...)
	}
	if len(d.History) > keep {
		d.History = d.History[:keep]
	}
	d.LastSync = &ls
	return nil
}

// sortSources orders repos and deployments by name, so the stored YAML is stable.
func sortSources(s *Sources) {
	sort.SliceStable(s.Repos, func(i, j int) bool {
		return strings.ToLower(s.Repos[i].Repo) < strings.ToLower(s.Repos[j].Repo)
	})
	for i := range s.Repos {
		ds := s.Repos[i].Deployments
		sort.SliceStable(ds, func(a, b int) bool { return ds[a].Name < ds[b].Name })
	}
}
