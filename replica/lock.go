package replica

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
)

// DeployLockName is the Lease that serialises the applies of one deployment across replicas.
func DeployLockName(deployment string) string { return "rigel-deploy-" + deployment }

// LockDeployment takes the deployment's apply lock for h, so that two applies of it never
// interleave, whichever replica runs them (it implements ops.Locker). When another apply
// holds it, it fails with a *Held that names that apply's conversation, age and replica. The
// returned context ends when the lock is lost (ErrLockLost is its cause); release gives the
// lock back.
func (l *Leases) LockDeployment(ctx context.Context, deployment string, h Holder) (_ context.Context, release func(), _ error) {
	if l == nil {
		return nil, nil, errors.New("failed to lock the deployment: this Rigel has no Leases to lock with")
	}
	locked, release, err := l.Hold(ctx, DeployLockName(deployment), KindDeploy, l.annotations(h))
	var he *kube.HeldError
	if errors.As(err, &he) {
		zerolog.Ctx(ctx).Info().Str("holder", he.Lease.Holder).Msg("deployment locked by another apply")
		return nil, nil, heldOf(deployment, he.Lease, time.Now())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("failed to lock %s against other applies: %w", deployment, err)
	}
	return locked, release, nil
}
