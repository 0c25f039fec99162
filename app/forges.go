package app

import (
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/ops"
)

// forges are the GitHub clients as the adapters see them: an installation's GitHub is an
// ops.Forge (githubclient does not know the service's interfaces; it returns its own type).
type forges struct{ *githubclient.Clients }

// ForInstallation returns the Forge of one installation.
func (f forges) ForInstallation(id int64) (ops.Forge, error) {
	i, err := f.Clients.ForInstallation(id)
	if err != nil {
		return nil, err
	}
	return i, nil
}

// A push's report (issue 12, push-triggered sync) is a comment on its commit.
var _ ops.CommitCommentForge = (*githubclient.Installation)(nil)
