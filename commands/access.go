package commands

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// Access and MergeableGate are the service's (ops/access.go).
type (
	Access        = ops.Access
	MergeableGate = ops.MergeableGate
)

// authorize refuses the command when its author's role on the repository is below what the
// command needs. The role is asked from GitHub each time: it may have changed.
func (c *call) authorize(ctx context.Context) error {
	verb := c.cmd.Verb
	if verb == "" {
		verb = "help" // a bare "/rigel" answers with the help
	}
	need := c.r.Access.Required(verb)
	if config.LevelRank(need) <= 0 {
		return nil // "none": anyone
	}
	have, err := c.gh.Permission(ctx, c.req.Repo, c.req.Author)
	if err != nil {
		return fmt.Errorf("failed to check the permission of @%s on %s: %w", c.req.Author, c.req.Repo.FullName(), err)
	}
	zerolog.Ctx(ctx).Debug().Str("has", have).Str("needs", need).Msg("permission checked")
	if config.LevelRank(have) >= config.LevelRank(need) {
		return nil
	}
	return userErrorf("@%s has the `%s` role on %s, and `/rigel %s` needs `%s` or higher. Nothing was done. Ask an admin of %s for `%s` access, or ask someone who has it to run the command.",
		c.req.Author, have, c.req.Repo.FullName(), verb, need, c.req.Repo.FullName(), need)
}
