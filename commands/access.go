package commands

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// Access says who may run what, and when a pull request may be applied.
type Access struct {
	Permissions      map[string]string // command → the repository role it needs, over config.DefaultPermissions
	RequireApproval  bool              // applying in a PR needs a writer's approval of the head and no changes requested
	RequireMergeable bool              // applying in a PR needs a mergeable state that Mergeable does not refuse
	AllowForkApply   bool              // a PR from a fork may be applied
	Mergeable        MergeableGate     // which mergeable states refuse (under RequireMergeable)
	AllowForkPreview bool              // a PR from a fork may be previewed by anyone allowed to run diff or sync
	DefaultPolicy    config.Policy     // bounds every deployment, under each deployment's own policy
	Protected        []string          // namespaces refused unless DefaultPolicy names them (nil: config.DefaultProtectedNamespaces); Rigel's own is added
}

// AccessFrom takes the access rules of the settings.
func AccessFrom(s *config.Settings) Access {
	return Access{Permissions: s.Permissions, RequireApproval: s.RequireApproval, RequireMergeable: s.RequireMergeable, AllowForkApply: s.AllowForkApply, DefaultPolicy: s.DefaultPolicy,
		Protected: s.ProtectedNamespaces, Mergeable: MergeableGateFrom(s), AllowForkPreview: s.AllowForkPreview}
}

// required is the role a command needs; a command without an entry needs write.
func (a Access) required(verb string) string {
	if l, ok := a.Permissions[verb]; ok {
		return l
	}
	if l, ok := config.DefaultPermissions[verb]; ok {
		return l
	}
	return "write"
}

// authorize refuses the command when its author's role on the repository is below what the
// command needs. The role is asked from GitHub each time: it may have changed.
func (c *call) authorize(ctx context.Context) error {
	verb := c.cmd.Verb
	if verb == "" {
		verb = "help" // a bare "/rigel" answers with the help
	}
	need := c.r.Access.required(verb)
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
