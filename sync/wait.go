package sync

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// healthPoll is how often waitHealthy reads the objects that are not healthy yet.
const healthPoll = 500 * time.Millisecond

// waitHealthy computes the kstatus health of the applied objects at idx (nil: every one), first from the apply
// responses, then polling the objects that are not Current every healthPoll, until all are
// Current, Failed or gone, or timeout passes. It reports whether the result is unhealthy:
// the wait timed out or an object is Failed or gone.
func (e *Engine) waitHealthy(ctx context.Context, res *Result, states []applyState, idx []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	if idx == nil {
		idx = make([]int, len(states))
		for i := range idx {
			idx[i] = i
		}
	}
	var pending []int
	for _, i := range idx {
		if states[i].obj != nil && res.Objects[i].Action != ActionError {
			pending = append(pending, i)
		}
	}
	for {
		var still []int
		for _, i := range pending {
			if !settled(&res.Objects[i], states[i].obj) {
				still = append(still, i)
			}
		}
		pending = still
		if len(pending) == 0 || !sleepUntil(ctx, healthPoll, deadline) {
			break
		}
		var g errgroup.Group
		g.SetLimit(e.limit())
		for _, i := range pending {
			g.Go(func() error {
				r := res.Objects[i].Ref
				u, err := e.Kube.Resource(states[i].mapping, r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
				switch {
				case apierrors.IsNotFound(err):
					states[i].obj = nil
				case err != nil:
					res.Objects[i].Health = string(status.UnknownStatus)
					res.Objects[i].Message = "failed to read the object: " + err.Error()
				default:
					states[i].obj = u
				}
				return nil
			})
		}
		_ = g.Wait()
	}
	unhealthy := len(pending) > 0
	for _, i := range idx {
		if o := res.Objects[i]; o.Health == string(status.FailedStatus) || o.Health == string(status.NotFoundStatus) {
			unhealthy = true
		}
	}
	return unhealthy
}

// settled records the health of one object and reports whether waiting for it is over.
func settled(o *ObjectResult, u *unstructured.Unstructured) bool {
	if u == nil {
		o.Health = string(status.NotFoundStatus)
		o.Message = "the object is gone"
		return true
	}
	r, err := status.Compute(u)
	if err != nil {
		o.Health = string(status.UnknownStatus)
		o.Message = "failed to compute health: " + err.Error()
		return false
	}
	o.Health = string(r.Status)
	o.Message = r.Message
	return r.Status == status.CurrentStatus || r.Status == status.FailedStatus
}
