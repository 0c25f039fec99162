package ops

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// Authorize refuses a call whose author's role on the repository is below what verb needs
// (Access.Required): a *Forbidden. The role is asked from the call's Forge each time: it may
// have changed.
func (s *Service) Authorize(ctx context.Context, call Call, verb string) error {
	need := s.Access.Required(verb)
	if config.LevelRank(need) <= 0 {
		return nil // "none": anyone
	}
	have, err := s.role(ctx, call)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Debug().Str("has", have).Str("needs", need).Msg("permission checked")
	if config.LevelRank(have) >= config.LevelRank(need) {
		return nil
	}
	return &Forbidden{User: call.Author, Have: have, Need: need, Repo: call.Repo.FullName(), Verb: verb}
}

// RequireAdmin refuses, with a *Forbidden, unless the call's author is an admin of its
// repository: what guard names needs it (of deployment, when it concerns one).
func (s *Service) RequireAdmin(ctx context.Context, call Call, guard Guard, deployment string) error {
	have, err := s.role(ctx, call)
	if err != nil {
		return err
	}
	if config.LevelRank(have) >= config.LevelRank("admin") {
		return nil
	}
	return &Forbidden{User: call.Author, Have: have, Need: "admin", Repo: call.Repo.FullName(), Guard: guard, Deployment: deployment, Namespace: s.namespace()}
}

// role is the call's author's role on its repository.
func (s *Service) role(ctx context.Context, call Call) (string, error) {
	have, err := call.Forge.Permission(ctx, call.Repo, call.Author)
	if err != nil {
		return "", fmt.Errorf("failed to check the permission of @%s on %s: %w", call.Author, call.Repo.FullName(), err)
	}
	return have, nil
}

// namespace is Rigel's (the registry's) namespace.
func (s *Service) namespace() string {
	if s.Registry == nil {
		return ""
	}
	return s.Registry.Namespace()
}
