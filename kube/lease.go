package kube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	gosync "sync"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Leases takes, renews and gives back coordination.k8s.io/v1 Leases in one namespace, on
// behalf of one holder (this replica). A Lease is held while its holder renews it; one not
// renewed for its duration has expired and may be taken over. Expiry compares the holder's
// renew time with this replica's clock: replicas' clocks must agree to well within Duration
// (NTP does that).
type Leases struct {
	Client     kubernetes.Interface
	Namespace  string
	Identity   string        // the holder written into the Leases this replica takes
	Duration   time.Duration // how long a Lease lives without renewal; rounded up to whole seconds, at least 1 s
	RenewEvery time.Duration // 0: a third of Duration
}

// LeaseInfo is what a Lease says about who holds it.
type LeaseInfo struct {
	Name        string
	Holder      string // "" when nobody holds it
	Acquired    time.Time
	Renewed     time.Time
	Duration    time.Duration
	Labels      map[string]string
	Annotations map[string]string

	obj *coordv1.Lease // as read, for an update guarded by its resourceVersion
}

// Expired reports whether the Lease's holder let it lapse by now (or nobody holds it).
func (i LeaseInfo) Expired(now time.Time) bool {
	return i.Holder == "" || now.After(i.Renewed.Add(i.Duration))
}

// HeldError says a Lease is held by another holder and has not expired.
type HeldError struct{ Lease LeaseInfo }

func (e *HeldError) Error() string {
	return fmt.Sprintf("lease %s is held by %s since %s", e.Lease.Name, e.Lease.Holder, e.Lease.Acquired.UTC().Format(time.RFC3339))
}

// ErrLeaseLost is the cause a Held reports when it could not keep its Lease.
var ErrLeaseLost = errors.New("the lease was lost")

func (l *Leases) durationSeconds() int32 {
	return int32(max(1, math.Ceil(l.Duration.Seconds())))
}

func (l *Leases) renewEvery() time.Duration {
	if l.RenewEvery > 0 {
		return l.RenewEvery
	}
	return max(time.Duration(l.durationSeconds())*time.Second/3, 100*time.Millisecond)
}

// Acquire takes the Lease name for this replica, with labels and annotations that say what
// it is held for: it creates the Lease, or takes it over when its holder let it expire. A
// Lease held by anyone else, this replica included, fails with *HeldError. The returned Held
// renews the Lease until it is released.
func (l *Leases) Acquire(ctx context.Context, name string, labels, annotations map[string]string) (*Held, error) {
	api := l.Client.CoordinationV1().Leases(l.Namespace)
	for attempt := 0; ; attempt++ {
		now := metav1.NewMicroTime(time.Now())
		lease := &coordv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: l.Namespace, Labels: labels, Annotations: annotations},
			Spec: coordv1.LeaseSpec{
				HolderIdentity: &l.Identity, LeaseDurationSeconds: ptr(l.durationSeconds()),
				AcquireTime: &now, RenewTime: &now,
			},
		}
		created, err := api.Create(ctx, lease, metav1.CreateOptions{})
		if err == nil {
			return l.hold(created), nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("failed to create lease %s/%s: %w", l.Namespace, name, err)
		}
		cur, err := api.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) && attempt < 3: // released in between: create again
			continue
		case err != nil:
			return nil, fmt.Errorf("failed to read lease %s/%s: %w", l.Namespace, name, err)
		}
		info := infoOf(cur)
		if !info.Expired(time.Now()) {
			return nil, &HeldError{Lease: info}
		}
		cur.Labels, cur.Annotations = labels, annotations
		held, err := l.takeOver(ctx, cur)
		if apierrors.IsConflict(err) && attempt < 3 { // renewed or taken in between: look again
			continue
		}
		return held, err
	}
}

// TakeOver claims a Lease its holder let expire, as List or Get saw it, keeping its labels
// and adding annotations. When the Lease changed since it was read (renewed, taken over by
// someone else, deleted) it fails with *HeldError or an error satisfying apierrors.IsNotFound,
// so that of several replicas only one takes over.
func (l *Leases) TakeOver(ctx context.Context, info LeaseInfo, annotations map[string]string) (*Held, error) {
	if info.obj == nil {
		return nil, fmt.Errorf("failed to take over lease %s: it was not read from the cluster", info.Name)
	}
	if !info.Expired(time.Now()) {
		return nil, &HeldError{Lease: info}
	}
	cur := info.obj.DeepCopy()
	if len(annotations) > 0 {
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		maps.Copy(cur.Annotations, annotations)
	}
	held, err := l.takeOver(ctx, cur)
	if apierrors.IsConflict(err) {
		return nil, &HeldError{Lease: info}
	}
	return held, err
}

// takeOver writes this replica as the holder of cur, guarded by cur's resourceVersion.
func (l *Leases) takeOver(ctx context.Context, cur *coordv1.Lease) (*Held, error) {
	now := metav1.NewMicroTime(time.Now())
	transitions := int32(1)
	if cur.Spec.LeaseTransitions != nil {
		transitions = *cur.Spec.LeaseTransitions + 1
	}
	cur.Spec = coordv1.LeaseSpec{
		HolderIdentity: &l.Identity, LeaseDurationSeconds: ptr(l.durationSeconds()),
		AcquireTime: &now, RenewTime: &now, LeaseTransitions: &transitions,
	}
	updated, err := l.Client.CoordinationV1().Leases(l.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to take over lease %s/%s: %w", l.Namespace, cur.Name, err)
	}
	return l.hold(updated), nil
}

// Get reads the Lease name (an error satisfying apierrors.IsNotFound when there is none).
func (l *Leases) Get(ctx context.Context, name string) (LeaseInfo, error) {
	lease, err := l.Client.CoordinationV1().Leases(l.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return LeaseInfo{}, fmt.Errorf("failed to read lease %s/%s: %w", l.Namespace, name, err)
	}
	return infoOf(lease), nil
}

// List returns the Leases whose labels match selector ("key=value").
func (l *Leases) List(ctx context.Context, selector string) ([]LeaseInfo, error) {
	list, err := l.Client.CoordinationV1().Leases(l.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("failed to list leases %s in %s: %w", selector, l.Namespace, err)
	}
	out := make([]LeaseInfo, len(list.Items))
	for i := range list.Items {
		out[i] = infoOf(&list.Items[i])
	}
	return out, nil
}

func infoOf(l *coordv1.Lease) LeaseInfo {
	i := LeaseInfo{Name: l.Name, Labels: l.Labels, Annotations: l.Annotations, obj: l.DeepCopy()}
	if l.Spec.HolderIdentity != nil {
		i.Holder = *l.Spec.HolderIdentity
	}
	if l.Spec.AcquireTime != nil {
		i.Acquired = l.Spec.AcquireTime.Time
	}
	if l.Spec.RenewTime != nil {
		i.Renewed = l.Spec.RenewTime.Time
	}
	if l.Spec.LeaseDurationSeconds != nil {
		i.Duration = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
	}
	return i
}

func ptr[T any](v T) *T { return &v }

// Held is a Lease this replica holds. It renews the Lease until Release; when it cannot (the
// Lease was taken over, deleted, or could not be renewed for its whole duration) Lost is closed.
type Held struct {
	l *Leases

	mu    gosync.Mutex
	lease *coordv1.Lease // as last written
	seen  time.Time      // when the apiserver last accepted a renewal

	stop, done chan struct{}
	lost       chan struct{}
	lostOnce   gosync.Once
	lostErr    error
	stopOnce   gosync.Once
}

func (l *Leases) hold(lease *coordv1.Lease) *Held {
	h := &Held{l: l, lease: lease, seen: time.Now(), stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	go h.renewLoop()
	return h
}

// Info is the Lease as last written.
func (h *Held) Info() LeaseInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return infoOf(h.lease)
}

// Lost is closed when the Lease is no longer held; Err then says why.
func (h *Held) Lost() <-chan struct{} { return h.lost }

// Err says why the Lease was lost (wrapping ErrLeaseLost), nil while it is held.
func (h *Held) Err() error {
	select {
	case <-h.lost:
		return h.lostErr
	default:
		return nil
	}
}

func (h *Held) markLost(err error) {
	h.lostOnce.Do(func() {
		h.lostErr = fmt.Errorf("%w: lease %s/%s: %w", ErrLeaseLost, h.l.Namespace, h.lease.Name, err)
		close(h.lost)
	})
}

func (h *Held) renewLoop() {
	defer close(h.done)
	t := time.NewTicker(h.l.renewEvery())
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		if err := h.update(nil); err != nil {
			if errors.Is(err, ErrLeaseLost) {
				return
			}
			h.mu.Lock()
			lapsed := time.Since(h.seen) > time.Duration(h.l.durationSeconds())*time.Second
			h.mu.Unlock()
			if lapsed {
				h.markLost(fmt.Errorf("not renewed for %s: %w", time.Duration(h.l.durationSeconds())*time.Second, err))
				return
			}
		}
	}
}

// Annotate adds annotations to the Lease (and renews it).
func (h *Held) Annotate(annotations map[string]string) error {
	return h.update(annotations)
}

// update renews the Lease, adding annotations. When someone else changed the Lease it looks
// again: still ours, it retries; taken over or deleted, the Lease is lost.
func (h *Held) update(annotations map[string]string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Err() != nil {
		return h.lostErr
	}
	api := h.l.Client.CoordinationV1().Leases(h.l.Namespace)
	for attempt := 0; attempt < 3; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), h.l.renewEvery())
		next := h.lease.DeepCopy()
		now := metav1.NewMicroTime(time.Now())
		next.Spec.RenewTime = &now
		if len(annotations) > 0 {
			if next.Annotations == nil {
				next.Annotations = map[string]string{}
			}
			maps.Copy(next.Annotations, annotations)
		}
		updated, err := api.Update(ctx, next, metav1.UpdateOptions{})
		if err == nil {
			cancel()
			h.lease, h.seen = updated, time.Now()
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			cancel()
			return fmt.Errorf("failed to renew lease %s/%s: %w", h.l.Namespace, h.lease.Name, err)
		}
		cur, gerr := api.Get(ctx, h.lease.Name, metav1.GetOptions{})
		cancel()
		switch {
		case apierrors.IsNotFound(gerr):
			h.markLost(errors.New("it was deleted"))
			return h.lostErr
		case gerr != nil:
			return fmt.Errorf("failed to read lease %s/%s: %w", h.l.Namespace, h.lease.Name, gerr)
		case cur.UID != h.lease.UID || cur.Spec.HolderIdentity == nil || *cur.Spec.HolderIdentity != h.l.Identity:
			h.markLost(fmt.Errorf("it was taken over by %q", infoOf(cur).Holder))
			return h.lostErr
		}
		h.lease = cur // still ours, changed by someone else (an annotation): write over it
	}
	return fmt.Errorf("failed to renew lease %s/%s: it kept changing", h.l.Namespace, h.lease.Name)
}

// Release stops renewing and deletes the Lease, unless someone else took it over meanwhile.
func (h *Held) Release(ctx context.Context) error {
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Err() != nil {
		return nil // not ours any more: nothing to give back
	}
	h.markLost(errors.New("it was released"))
	api := h.l.Client.CoordinationV1().Leases(h.l.Namespace)
	lease := h.lease
	for attempt := 0; attempt < 3; attempt++ {
		uid, rv := lease.UID, lease.ResourceVersion
		err := api.Delete(ctx, lease.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		switch {
		case err == nil || apierrors.IsNotFound(err):
			return nil
		case !apierrors.IsConflict(err):
			return fmt.Errorf("failed to release lease %s/%s: %w", h.l.Namespace, lease.Name, err)
		}
		cur, err := api.Get(ctx, lease.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("failed to read lease %s/%s: %w", h.l.Namespace, lease.Name, err)
		case cur.UID != lease.UID || cur.Spec.HolderIdentity == nil || *cur.Spec.HolderIdentity != h.l.Identity:
			return nil // taken over after it expired: it is someone else's now
		}
		lease = cur
	}
	return fmt.Errorf("failed to release lease %s/%s: it kept changing", h.l.Namespace, lease.Name)
}

// Abandon stops renewing without giving the Lease back, as a replica that dies would: the
// Lease expires after its duration. For tests of what survives a crash.
func (h *Held) Abandon() {
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.done
}
