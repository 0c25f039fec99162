package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/replica"
)

// A running command is recorded in a Lease (rigel-cmd-…, label rigel.dev/lease=command) that
// names its conversation and is renewed while it runs, then deleted once its reply is posted.
// When its replica dies the Lease expires, and the leader's Sweeper tells the conversation
// that the command did not finish.

// errRecordLost is the cause a command is stopped with when its record could not be kept:
// the leader may already have told the conversation that it did not finish.
var errRecordLost = replica.ErrRecordLost

// record is one running command's Lease; a nil *record records nothing.
type record struct {
	held   *kube.Held
	cancel context.CancelCauseFunc
	key    []byte            // signs the record (records_mac.go)
	fields map[string]string // the annotations written, signed again with each phase
}

type recordKey struct{}

// startRecord records a command about to run. The returned context ends when the record is
// lost. Without Leases, or when the record cannot be written, the command runs unrecorded.
func (r *Runner) startRecord(ctx context.Context, req Request, cmd Command, index int) (context.Context, *record) {
	if r.Leases == nil || ctx.Err() != nil { // cut short before it started: nothing to record
		return ctx, nil
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d\x00%d", r.Leases.Identity, req.DeliveryID, req.Repo.FullName(), req.Number, index, time.Now().UnixNano())))
	name := "rigel-cmd-" + hex.EncodeToString(sum[:10])
	key := recordKeyFor(r.markerKey())
	fields := r.annotations((&call{req: req, cmd: cmd}).holder())
	signRecord(key, name, fields)
	held, err := r.Leases.Acquire(ctx, name, map[string]string{leaseKindLabel: "command"}, maps.Clone(fields))
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to record the running command; it runs unrecorded")
		return ctx, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	rec := &record{held: held, cancel: cancel, key: key, fields: fields}
	go func() {
		select {
		case <-held.Lost():
			cancel(errRecordLost)
		case <-ctx.Done():
		}
	}()
	return context.WithValue(ctx, recordKey{}, rec), rec
}

// finish deletes the record: the command is over and its reply posted.
func (rec *record) finish(ctx context.Context) {
	if rec == nil {
		return
	}
	rec.cancel(nil)
	rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer done()
	if err := rec.held.Release(rctx); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to delete the record of a finished command; the leader will report it as unfinished")
	}
}

// notePhase adds what the command is doing now to its record, for the report if its replica
// dies, and signs the record again. Only the command's own goroutine calls it.
func notePhase(ctx context.Context, annotations map[string]string) {
	rec, _ := ctx.Value(recordKey{}).(*record)
	if rec == nil {
		return
	}
	maps.Copy(rec.fields, annotations)
	signRecord(rec.key, rec.held.Info().Name, rec.fields)
	if err := rec.held.Annotate(maps.Clone(rec.fields)); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to note the command's phase in its record")
	}
}

// noteApplying records that objects of dep at commit are about to be sent to the cluster.
func noteApplying(ctx context.Context, dep, commit string) {
	notePhase(ctx, map[string]string{annPhase: phaseApplying, annDeployment: dep, annCommit: commit})
}

// stoppedError is a command that was stopped before it finished (shutdown, lost lock or
// record); Detail says what is known of what it did.
type stoppedError struct {
	Cause  error
	Detail string
}

func (e *stoppedError) Error() string { return e.Cause.Error() }
func (e *stoppedError) Unwrap() error { return e.Cause }

// stoppedReply answers a command that was cut short (by ctx, or by the context of an apply
// inside it, which err then carries), or "" when it was not.
func stoppedReply(ctx context.Context, line string, err error) string {
	cause := context.Cause(ctx)
	var detail string
	var se *stoppedError
	if errors.As(err, &se) {
		cause, detail = se.Cause, "\n\n"+se.Detail
	}
	if cause == nil {
		return ""
	}
	if errors.Is(cause, ErrShuttingDown) {
		return fmt.Sprintf("⚠️ Rigel is shutting down and stopped %s before it finished; run it again.%s", code(short(line)), detail)
	}
	if errors.Is(cause, errLockLost) || errors.Is(cause, errRecordLost) {
		return fmt.Sprintf("⚠️ %s stopped before it finished: %s.%s\n\nRun it again; `/rigel list` shows the last recorded syncs.", code(short(line)), cause.Error(), detail)
	}
	return ""
}

// replyContext is ctx, or when ctx already ended (a command cut short), a short-lived one
// that still lets the reply be posted.
func replyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// recordInfo is what a record says, read back by the Sweeper.
type recordInfo struct {
	Repo         Repo
	Number       int
	Command      string
	Delivery     string
	Replica      string
	LastSeen     time.Time
	Phase        string
	Deployment   string
	Commit       string
	Installation int64
}

func readRecord(l kube.LeaseInfo) (recordInfo, error) {
	a := l.Annotations
	ri := recordInfo{Command: a[annCommand], Delivery: a[annDelivery], Replica: a[annReplica], Phase: a[annPhase],
		Deployment: a[annDeployment], Commit: a[annCommit], LastSeen: l.Renewed}
	if ri.Replica == "" {
		ri.Replica = l.Holder
	}
	if t, err := time.Parse(time.RFC3339, a[annLastSeen]); err == nil {
		ri.LastSeen = t // an earlier leader took it over but did not finish reporting it
	}
	var err error
	if ri.Number, err = strconv.Atoi(a[annIssue]); err != nil || ri.Number <= 0 {
		return ri, fmt.Errorf("record %s has no issue number", l.Name)
	}
	if ri.Installation, err = strconv.ParseInt(a[annInstallation], 10, 64); err != nil {
		return ri, fmt.Errorf("record %s has no installation id", l.Name)
	}
	owner, name, ok := cutRepo(a[annRepo])
	if !ok {
		return ri, fmt.Errorf("record %s has no repository", l.Name)
	}
	ri.Repo = Repo{Owner: owner, Name: name, Installation: ri.Installation}
	return ri, nil
}

func cutRepo(full string) (string, string, bool) {
	owner, name, ok := strings.Cut(full, "/")
	return owner, name, ok && owner != "" && name != ""
}
