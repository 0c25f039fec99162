package ops

import (
	"context"
	"fmt"

	"github.com/rigel-gitops/rigel/config"
)

// Who sets a policy (see config/policy.go): cluster admins, in the registry ConfigMap.
// `/rigel policy` only shows it; add-deployment may set the first policy of a new deployment,
// for repository admins only (RequireAdmin with GuardSetPolicy, then SetPolicy); nothing else
// writes one, and removing a deployment that has one needs admin too (GuardRemove): re-adding
// it would drop the policy.

// PolicyView is what limits a deployment: its own policy, the default it is intersected with,
// the protected namespaces, and the policy that results.
type PolicyView struct {
	Deployment config.Deployment
	Default    config.Policy // the settings' default policy
	Protected  []string      // the namespaces refused unless the default names them (Rigel's own among them)
	Namespace  string        // Rigel's namespace, whose ConfigMap holds the registry
	Effective  config.Policy // what the deployment may apply (PolicyOf)
}

// Policy is the view of what limits dep.
func (s *Service) Policy(dep config.Deployment) PolicyView {
	return PolicyView{Deployment: dep, Default: s.Access.DefaultPolicy, Protected: s.Protected(), Namespace: s.namespace(), Effective: s.PolicyOf(dep)}
}

// SetPolicy stores the policy of the deployment called name. Callers check who asks first
// (RequireAdmin) and have just registered it: its absence is a failure, not a refusal.
func (s *Service) SetPolicy(ctx context.Context, name string, p *config.Policy) error {
	_, err := s.Registry.Update(ctx, func(src *config.Sources) error {
		_, d := src.FindDeployment(name)
		if d == nil {
			return fmt.Errorf("no deployment named %q", name)
		}
		d.Policy = p
		return nil
	})
	if err != nil {
		return fmt.Errorf("failed to store the policy of %s: %w", name, err)
	}
	return nil
}

// GuardRemove refuses, with a *Forbidden, to remove the deployment called name when it has a
// policy and the call's author is not a repository admin: removing it and adding the folder
// again would drop the policy.
func (s *Service) GuardRemove(ctx context.Context, call Call, name string) error {
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return fmt.Errorf("failed to read the registry: %w", err)
	}
	if _, d := src.FindDeployment(name); d == nil || d.Policy == nil || d.Policy.Empty() {
		return nil
	}
	return s.RequireAdmin(ctx, call, GuardRemove, name)
}
