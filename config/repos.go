package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/rigel-gitops/rigel/fault"
)

// PutRepo registers repo (repo.Deployments is ignored) without deployments, or updates the
// branch, clone URL and installation of the repo already registered under that name (case
// insensitive), keeping its deployments. It reports whether the repo was new.
func (s *Sources) PutRepo(repo Repo) (created bool) {
	if existing := s.FindRepo(repo.Repo); existing != nil {
		existing.Branch = repo.Branch
		existing.CloneURL = repo.CloneURL
		existing.InstallationID = repo.InstallationID
		return false
	}
	repo.Deployments = []Deployment{}
	s.Repos = append(s.Repos, repo)
	return true
}

// RemoveRepo unregisters the repo named fullName (case insensitive) with all its
// deployments and returns it; a *fault.NotFound of KindRepository when there is none.
func (s *Sources) RemoveRepo(fullName string) (Repo, error) {
	removed := s.removeInvalid(func(e *InvalidEntry) bool { return !strings.EqualFold(e.Repo, fullName) }) // with it, on purpose
	for i, r := range s.Repos {
		if strings.EqualFold(r.Repo, fullName) {
			s.Repos = append(s.Repos[:i], s.Repos[i+1:]...)
			return r, nil
		}
	}
	if len(removed) > 0 {
		return removed[0].raw, nil
	}
	return Repo{}, &fault.NotFound{Kind: KindRepository, Name: fullName}
}

var (
	ownerPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	namePattern  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// ValidateRepo checks a repo entry given by a person: repo is owner/name as GitHub spells
// them, branch a valid branch name, cloneURL (optional) an http(s) URL without credentials.
// Its messages say what is wrong and what is expected.
func ValidateRepo(r Repo) error {
	owner, name, ok := strings.Cut(r.Repo, "/")
	if !ok || !ownerPattern.MatchString(owner) || !namePattern.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("%q is not a GitHub repository: give it as owner/name, e.g. acme/shop", r.Repo)
	}
	if r.Branch == "" {
		return fmt.Errorf("no branch for %s: give the branch its deployments follow, e.g. main", r.Repo)
	}
	if strings.HasPrefix(r.Branch, "refs/") || plumbing.NewBranchReferenceName(r.Branch).Validate() != nil {
		return fmt.Errorf("%q is not a branch name: give it as git names it, without refs/heads/, e.g. main", r.Branch)
	}
	if r.CloneURL != "" {
		u, err := url.Parse(r.CloneURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			return fmt.Errorf("the clone URL of %s is not an http(s) URL, e.g. https://github.com/%s.git", r.Repo, r.Repo)
		case u.User != nil:
			return fmt.Errorf("the clone URL of %s must not hold credentials: Rigel authenticates with its GitHub identity", r.Repo)
		}
	}
	if r.InstallationID < 0 {
		return fmt.Errorf("the installation id of %s must be a positive number, not %d", r.Repo, r.InstallationID)
	}
	return nil
}
