package replica

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
)

// Kind is what a Lease of Rigel is held for (its label rigel.dev/lease).
type Kind string

const (
	// KindDeploy is a deployment's apply lock (lock.go).
	KindDeploy Kind = "deploy"
	// KindCommand is the record of a running command (record.go).
	KindCommand Kind = "command"
)

// lost is the cause the context of a Lease of kind k ends with when the Lease is lost.
func (k Kind) lost(held *kube.Held) error {
	switch k {
	case KindDeploy:
		return ErrLockLost
	case KindCommand:
		return ErrRecordLost
	}
	return held.Err()
}

// releaseFailed is what the log says when a Lease of kind k could not be given back.
func (k Kind) releaseFailed() string {
	switch k {
	case KindDeploy:
		return "failed to release the deployment lock; it expires by itself"
	case KindCommand:
		return "failed to delete the record of a finished command; the leader will report it as unfinished"
	}
	return "failed to release a lease; it expires by itself"
}

// releaseWait bounds how long giving a Lease back may take, even after the command's context
// ended.
const releaseWait = 5 * time.Second

// Hold takes the Lease name for this replica, labelled kind and carrying annotations, and
// renews it until release. The returned context ends when the Lease is lost, with the cause
// of kind (ErrLockLost, ErrRecordLost). release ends the context and gives the Lease back
// (within releaseWait); call it once. A Lease another holds fails with *kube.HeldError.
func (l *Leases) Hold(ctx context.Context, name string, kind Kind, annotations map[string]string) (_ context.Context, release func(), _ error) {
	h, err := l.hold(ctx, name, kind, annotations)
	if err != nil {
		return nil, nil, err
	}
	return h.ctx, func() { h.release(h.ctx) }, nil
}

// holding is a Lease held by Hold.
type holding struct {
	kind   Kind
	held   *kube.Held
	ctx    context.Context // ends when the Lease is lost or released
	cancel context.CancelCauseFunc
}

// hold is Hold, for the holders that also annotate the Lease while they hold it.
func (l *Leases) hold(ctx context.Context, name string, kind Kind, annotations map[string]string) (*holding, error) {
	if l == nil {
		return nil, errors.New("this Rigel has no Leases")
	}
	held, err := l.kube.Acquire(ctx, name, map[string]string{labelKind: string(kind)}, annotations)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-held.Lost():
			cancel(kind.lost(held))
		case <-ctx.Done():
		}
	}()
	return &holding{kind: kind, held: held, ctx: ctx, cancel: cancel}, nil
}

// release ends the holding's context and gives the Lease back; a failure is logged to ctx's
// logger (the Lease then expires by itself).
func (h *holding) release(ctx context.Context) {
	h.cancel(nil)
	rctx, done := context.WithTimeout(context.WithoutCancel(ctx), releaseWait)
	defer done()
	if err := h.held.Release(rctx); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg(h.kind.releaseFailed())
	}
}
