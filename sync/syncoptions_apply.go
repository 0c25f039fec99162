package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// forceGoneTimeout bounds the wait for an object deleted by Force=true to be gone before it is
// created again.
const forceGoneTimeout = time.Minute

// replaceOne applies a change whose Argo CD options say Replace=true: an object absent at the
// preview is created (failing if it exists by now); a live one is updated as a whole with the
// resourceVersion the preview read (failing if it changed since: what is sent replaces
// exactly what was previewed), or with Force=true deleted (on the same condition) and created
// again. The object as the apiserver returned it is the result.
func (e *Engine) replaceOne(ctx context.Context, m *meta.RESTMapping, c *Change) (*unstructured.Unstructured, error) {
	res := e.Kube.Resource(m, c.Ref.Namespace)
	d := c.desired.DeepCopy()
	if c.liveRV == "" {
		u, err := res.Create(ctx, d, metav1.CreateOptions{FieldManager: FieldManager})
		if err != nil {
			return nil, fmt.Errorf("failed to create it (Replace=true): %w", err)
		}
		return u, nil
	}
	if !c.Argo.Force {
		d.SetResourceVersion(c.liveRV)
		u, err := res.Update(ctx, d, metav1.UpdateOptions{FieldManager: FieldManager})
		if apierrors.IsConflict(err) {
			return nil, fmt.Errorf("not replaced (Replace=true): the object changed since the preview (resourceVersion %s): %w", c.liveRV, err)
		}
		if err != nil {
			return nil, fmt.Errorf("failed to replace it (Replace=true): %w", err)
		}
		return u, nil
	}
	rv := c.liveRV
	bg := metav1.DeletePropagationBackground
	err := res.Delete(ctx, c.Ref.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}, PropagationPolicy: &bg})
	switch {
	case apierrors.IsConflict(err):
		return nil, fmt.Errorf("not deleted (Force=true): the object changed since the preview (resourceVersion %s): %w", rv, err)
	case err != nil && !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("failed to delete it (Force=true): %w", err)
	}
	deadline := time.Now().Add(forceGoneTimeout)
	for {
		_, err := res.Get(ctx, c.Ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if !sleepUntil(ctx, hookPoll, deadline) {
			return nil, errors.New("deleted (Force=true) but still there (finalizers?) after " + forceGoneTimeout.String() + ": not created again")
		}
	}
	u, err := res.Create(ctx, d, metav1.CreateOptions{FieldManager: FieldManager})
	if err != nil {
		return nil, fmt.Errorf("deleted (Force=true) but failed to create it again: %w", err)
	}
	return u, nil
}
