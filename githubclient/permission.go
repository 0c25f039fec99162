package githubclient

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/rigel-gitops/rigel/config"
)

// roleFlags are the permission flags GitHub sets on the user of a permission answer,
// strongest first, with the role each means.
var roleFlags = []struct{ flag, role string }{
	{"admin", "admin"}, {"maintain", "maintain"}, {"push", "write"}, {"triage", "triage"}, {"pull", "read"},
}

// Permission reads user's role on repo (GET /repos/{owner}/{repo}/collaborators/{username}/permission).
// The legacy permission field knows only admin, write, read and none, so the role comes from
// role_name, else (for custom roles) from the strongest permission flag.
func (i *Installation) Permission(ctx context.Context, repo Repo, user string) (string, error) {
	p, _, err := i.client.Repositories.GetPermissionLevel(ctx, repo.Owner, repo.Name, user)
	if err != nil {
		return "", fmt.Errorf("failed to read the permission of %s on %s: %w", user, repo.FullName(), err)
	}
	return roleOf(p), nil
}

// roleOf turns GitHub's answer into one of config.PermissionLevels.
func roleOf(p *github.RepositoryPermissionLevel) string {
	if role := p.GetUser().GetRoleName(); config.LevelRank(role) >= 0 {
		return role
	}
	for _, f := range roleFlags {
		if p.GetUser().Permissions[f.flag] {
			return f.role
		}
	}
	if config.LevelRank(p.GetPermission()) >= 0 {
		return p.GetPermission()
	}
	return "none"
}
