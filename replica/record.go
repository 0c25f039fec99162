package replica

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"time"

	"github.com/rs/zerolog"
)

// A running command is recorded in a Lease (rigel-cmd-…, label rigel.dev/lease=command) that
// names its conversation and is renewed while it runs, then deleted once its reply is posted.
// When its replica dies the Lease expires, and the leader's Sweeper reports that the command
// did not finish.

// Record is one running command's Lease. A nil *Record records nothing; it is the record of
// an ops.Call (ops.Recorder).
type Record struct {
	h      *holding
	key    []byte            // signs the record (record_mac.go)
	fields map[string]string // the annotations written, signed again with each phase
}

// StartRecord records a command of h about to run (the index-th of its comment). The returned
// context ends when the record is lost (ErrRecordLost is its cause). Without Leases, when ctx
// already ended, or when the record cannot be written, the command runs unrecorded: ctx and a
// nil *Record.
func (l *Leases) StartRecord(ctx context.Context, h Holder, index int) (context.Context, *Record) {
	if l == nil || ctx.Err() != nil { // cut short before it started: nothing to record
		return ctx, nil
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d\x00%d", l.kube.Identity, h.Delivery, h.Repo, h.Number, index, time.Now().UnixNano())))
	name := "rigel-cmd-" + hex.EncodeToString(sum[:10])
	fields := l.annotations(h)
	signRecord(l.key, name, fields)
	held, err := l.hold(ctx, name, KindCommand, maps.Clone(fields))
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to record the running command; it runs unrecorded")
		return ctx, nil
	}
	return held.ctx, &Record{h: held, key: l.key, fields: fields}
}

// Finish deletes the record: the command is over and its reply posted.
func (r *Record) Finish(ctx context.Context) {
	if r == nil {
		return
	}
	r.h.release(ctx)
}

// NoteApplying records that objects of deployment at commit are about to be sent to the
// cluster, for the report should this replica die (ops.Recorder). Only the command's own
// goroutine calls it.
func (r *Record) NoteApplying(ctx context.Context, deployment, commit string) {
	r.note(ctx, map[string]string{annPhase: PhaseApplying, annDeployment: deployment, annCommit: commit})
}

// note adds what the command is doing now to its record and signs the record again.
func (r *Record) note(ctx context.Context, annotations map[string]string) {
	if r == nil {
		return
	}
	maps.Copy(r.fields, annotations)
	signRecord(r.key, r.h.held.Info().Name, r.fields)
	if err := r.h.held.Annotate(maps.Clone(r.fields)); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to note the command's phase in its record")
	}
}
