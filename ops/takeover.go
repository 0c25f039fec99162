package ops

import (
	"context"
	"fmt"

	"github.com/rigel-gitops/rigel/sync"
)

// Objects a deployment does not manage: a preview shows none of their live values, only that
// they exist, who manages them and which fields applying takes over; and applying never takes
// an object from another deployment that is still registered (*Takeover). Moving an object
// between deployments is an explicit step: its provenance annotations are removed first (by
// /rigel unlink for workloads, or by a cluster admin with kubectl annotate), or the
// deployment that holds it is removed.

// markOwners records on each unmanaged change of plan the repository in which the deployment
// its provenance names is still registered.
func (s *Service) markOwners(ctx context.Context, plan *sync.Plan) error {
	var named bool
	for _, c := range plan.Changes {
		named = named || (c.Unmanaged != nil && c.Unmanaged.Deployment != "")
	}
	if !named {
		return nil
	}
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return fmt.Errorf("failed to read the registry: %w", err)
	}
	for i := range plan.Changes {
		u := plan.Changes[i].Unmanaged
		if u == nil || u.Deployment == "" || u.Deployment == plan.Deployment {
			continue
		}
		if owner, dep := src.FindDeployment(u.Deployment); dep != nil {
			u.OwnerRepo = owner.Repo
		}
	}
	return nil
}

// TakenFrom lists the changes of objects another registered deployment holds: applying p is
// refused while there is one.
func TakenFrom(p *sync.Plan) []sync.Change {
	var out []sync.Change
	for _, c := range p.Changes {
		if c.Unmanaged != nil && c.Unmanaged.OwnerRepo != "" {
			out = append(out, c)
		}
	}
	return out
}
