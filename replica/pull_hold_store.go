package replica

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcoord "k8s.io/client-go/kubernetes/typed/coordination/v1"
)

// The store of pull requests' holds (pull_hold.go) in Leases of Rigel's namespace. It
// implements ops.PullHolds. A nil *Leases holds nothing: it reads no hold and refuses to take one.

// errNoLeases is the failure of a store without Leases.
var errNoLeases = errors.New("this Rigel has no Leases to hold deployments with")

// conflictRetries bounds how often an operation looks again at a hold that changed meanwhile.
const conflictRetries = 3

func (l *Leases) leaseAPI() typedcoord.LeaseInterface {
	return l.kube.Client.CoordinationV1().Leases(l.kube.Namespace)
}

func objectMeta(name, namespace string, labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels, Annotations: annotations}
}

func metaMicro(t time.Time) metav1.MicroTime { return metav1.NewMicroTime(t) }

// TakePullHold gives h's deployment to h's pull request unless a hold exists already: it
// creates the hold's Lease, and when there is one returns the hold it records (the caller
// compares it with h: HeldBy). Of several PRs racing for a deployment one creates it; the
// others get its hold.
func (l *Leases) TakePullHold(ctx context.Context, h PullHold) (PullHold, error) {
	if l == nil {
		return PullHold{}, errNoLeases
	}
	if h.Since.IsZero() {
		h.Since = time.Now()
	}
	h.Since = h.Since.UTC().Truncate(time.Microsecond)
	api := l.leaseAPI()
	for attempt := 0; ; attempt++ {
		_, err := api.Create(ctx, l.pullHoldLease(h), metav1.CreateOptions{})
		if err == nil {
			return h, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return PullHold{}, fmt.Errorf("failed to hold %s for %s: %w", h.Deployment, h.Pull(), err)
		}
		cur, err := api.Get(ctx, PullHoldName(h.Deployment), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) && attempt < conflictRetries: // given back in between
			continue
		case err != nil:
			return PullHold{}, fmt.Errorf("failed to read the hold on %s: %w", h.Deployment, err)
		}
		return pullHoldOf(cur, h.Deployment), nil
	}
}

// PullHoldOf is the hold on deployment, nil when no pull request holds it.
func (l *Leases) PullHoldOf(ctx context.Context, deployment string) (*PullHold, error) {
	if l == nil {
		return nil, nil
	}
	cur, err := l.leaseAPI().Get(ctx, PullHoldName(deployment), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("failed to read the hold on %s: %w", deployment, err)
	}
	h := pullHoldOf(cur, deployment)
	return &h, nil
}

// PullHolds lists every hold, by deployment name.
func (l *Leases) PullHolds(ctx context.Context) ([]PullHold, error) {
	if l == nil {
		return nil, nil
	}
	list, err := l.leaseAPI().List(ctx, metav1.ListOptions{LabelSelector: labelKind + "=" + string(KindPullHold)})
	if err != nil {
		return nil, fmt.Errorf("failed to list the holds of pull requests in %s: %w", l.kube.Namespace, err)
	}
	var out []PullHold
	for i := range list.Items {
		lease := &list.Items[i]
		dep, ok := strings.CutPrefix(lease.Name, PullHoldName(""))
		if !ok || dep == "" {
			continue // labelled by hand, not named as a hold: not one
		}
		out = append(out, pullHoldOf(lease, dep))
	}
	return out, nil
}

// ReleasePullHold gives back the hold on deployment when it is still of's (same repository and
// pull request); with of zero (an operator breaking it), whoever's it is. It reports whether it
// deleted a hold: false when there was none or it is another PR's. A hold that changes while
// it is given back is looked at again, so a hold another PR took meanwhile is never deleted.
func (l *Leases) ReleasePullHold(ctx context.Context, deployment string, of PullHold) (bool, error) {
	if l == nil {
		return false, errNoLeases
	}
	api := l.leaseAPI()
	name := PullHoldName(deployment)
	for attempt := 0; attempt < conflictRetries; attempt++ {
		cur, err := api.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("failed to read the hold on %s: %w", deployment, err)
		}
		if of.Repo != "" && !pullHoldOf(cur, deployment).HeldBy(of.Repo, of.Number) {
			return false, nil
		}
		err = deleteExactly(ctx, api, cur)
		switch {
		case err == nil:
			return true, nil
		case apierrors.IsNotFound(err):
			return false, nil
		case !apierrors.IsConflict(err):
			return false, fmt.Errorf("failed to release the hold on %s: %w", deployment, err)
		}
	}
	return false, fmt.Errorf("failed to release the hold on %s: it kept changing", deployment)
}

// deleteExactly deletes the Lease as it was read: a Lease changed or replaced since fails
// with a conflict.
func deleteExactly(ctx context.Context, api typedcoord.LeaseInterface, cur *coordv1.Lease) error {
	uid, rv := cur.UID, cur.ResourceVersion
	return api.Delete(ctx, cur.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
}
