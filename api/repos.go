package api

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rigel-gitops/rigel/ops"
)

// repoJSON is a repository GitHub shows Rigel, with what the registry holds of it.
type repoJSON struct {
	Repo           string   `json:"repo"` // "owner/name"
	DefaultBranch  string   `json:"defaultBranch"`
	Private        bool     `json:"private"`
	InstallationID int64    `json:"installationID,omitempty"` // 0 (left out) with a token
	Registered     bool     `json:"registered"`
	Branch         string   `json:"branch,omitempty"` // the branch its deployments follow, when registered
	Deployments    []string `json:"deployments"`
}

type reposJSON struct {
	Repos     []repoJSON `json:"repos"`
	Limit     int        `json:"limit"`     // the most that are listed
	Truncated bool       `json:"truncated"` // GitHub shows more than limit
	// Unseen are registered repositories GitHub does not show Rigel (not when truncated).
	Unseen []string `json:"unseen"`
	Note   string   `json:"note,omitempty"`
}

// GET /api/git/repos: the repositories the app's installations (or the token) can see, each
// with whether it is registered and its deployments.
func (s *server) listRepos(c echo.Context) error {
	list, err := s.Ops.Repos(c.Request().Context())
	if err != nil {
		return err
	}
	out := reposJSON{Repos: make([]repoJSON, 0, len(list.Repos)), Limit: list.Limit, Truncated: list.Truncated, Unseen: list.Unseen}
	if out.Unseen == nil {
		out.Unseen = []string{}
	}
	for _, r := range list.Repos {
		out.Repos = append(out.Repos, repoJSON{Repo: r.FullName, DefaultBranch: r.DefaultBranch, Private: r.Private,
			InstallationID: r.InstallationID, Registered: r.Registered, Branch: r.Branch, Deployments: nonNil(r.Deployments)})
	}
	out.Note = reposNote(list)
	return c.JSON(http.StatusOK, out)
}

// reposNote says what to do about a truncated list or registered repositories GitHub hides.
func reposNote(l *ops.RepoList) string {
	switch {
	case l.Truncated:
		return fmt.Sprintf("GitHub shows Rigel more than %d repositories: only the first %d are listed. GET /api/git/sources lists every registered one.", l.Limit, l.Limit)
	case len(l.Unseen) > 0:
		return fmt.Sprintf("GitHub does not show Rigel %d registered repositories (listed in unseen): install the app on them (or give the token access), or forget them with DELETE /api/git/sources {\"repo\": \"owner/name\"}.", len(l.Unseen))
	}
	return ""
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
