package replica

import (
	"context"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// RunningApplies names the deployments whose apply lock another apply holds now (a Lease of
// kind deploy, not expired), by deployment, without taking any (the drift sweep looks, issue
// 12). A nil *Leases knows of none.
func (l *Leases) RunningApplies(ctx context.Context) (map[string]*Held, error) {
	out := map[string]*Held{}
	if l == nil {
		return out, nil
	}
	infos, err := l.kube.List(ctx, labelKind+"="+string(KindDeploy))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, i := range infos {
		dep, ok := strings.CutPrefix(i.Name, DeployLockName(""))
		if !ok || dep == "" || i.Expired(now) {
			continue
		}
		out[dep] = heldOf(dep, i, now)
	}
	return out, nil
}

// ApplyRunning is the apply holding deployment's lock now, nil when none does; it looks and
// takes nothing.
func (l *Leases) ApplyRunning(ctx context.Context, deployment string) (*Held, error) {
	if l == nil {
		return nil, nil
	}
	i, err := l.kube.Get(ctx, DeployLockName(deployment))
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if i.Expired(now) {
		return nil, nil
	}
	return heldOf(deployment, i, now), nil
}
