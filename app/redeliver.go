package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"k8s.io/client-go/kubernetes"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/kube"
)

// Redelivery of failed deliveries (issue 14): GitHub never delivers again by itself a delivery
// Rigel answered 503 (a full queue, a replica shutting down), 5xx, or did not answer in time.
// Every RIGEL_REDELIVER_EVERY the leader reads the app's webhook delivery log (newest first,
// down to a little before where its last round ended) and asks GitHub to redeliver each
// event whose newest delivery failed so and that was never delivered successfully since
// (same GUID), within GitHub's 3-day window: oldest first, at most RIGEL_REDELIVER_RATE a
// second, each failed delivery once, and an event at most redeliverTimes times. What it asked
// is remembered in the apiserver (kube.Redeliveries) before the round goes on, so a new
// leader does not ask again; should a leader die between asking and remembering, the shared
// dedupe (dedupe.go) still runs the event's command once. Each redelivery asked counts in
// rigel_webhook_redelivered_total. The deliveries API needs a GitHub App: with a token no loop
// runs, and the replica logs so once at start.
const (
	// redeliverWindow is how far back a delivery may be redelivered: GitHub's 3 days, less a
	// margin so that a redelivery asked is not refused as too old.
	redeliverWindow = 3*24*time.Hour - time.Hour
	// redeliverOverlap is how far before the end of the last round the next one reads: a
	// slow delivery is logged after faster ones made later.
	redeliverOverlap = 10 * time.Minute
	// redeliverFirstLookback is how far back the first round ever reads (no memory yet):
	// turning redelivery on does not replay days-old commands.
	redeliverFirstLookback = time.Hour
	// redeliverTimes bounds the redeliveries of one event.
	redeliverTimes = 5
	// redeliverSaveEvery is how many redeliveries are asked between two writes of the memory.
	redeliverSaveEvery = 25
	// redeliverSlowest is the longest gap between two redeliveries when they keep failing.
	redeliverSlowest = time.Second
	// redeliverSaveTimeout bounds the last write of a round, made even after the leadership ended.
	redeliverSaveTimeout = 10 * time.Second
)

// hookLog is the app's webhook delivery log on GitHub (githubclient.Clients).
type hookLog interface {
	HookDeliveries(ctx context.Context, cursor string) ([]githubclient.HookDelivery, string, error)
	RedeliverHook(ctx context.Context, id int64) error
}

// redeliverLoop is the leader's redelivery of failed deliveries.
type redeliverLoop struct {
	log   hookLog
	store *kube.Redeliveries
	every time.Duration
	gap   time.Duration // between two redeliveries asked, now
	base  time.Duration // the gap of RIGEL_REDELIVER_RATE
	count prometheus.Counter
	now   func() time.Time
}

// newRedeliverLoop is the redelivery loop of the leader, nil when RIGEL_REDELIVER_EVERY is 0
// (off). It counts in rigel_webhook_redelivered_total, registered on reg either way.
func newRedeliverLoop(s *config.Settings, kc kubernetes.Interface, clients *githubclient.Clients, reg prometheus.Registerer, log zerolog.Logger) *redeliverLoop {
	count := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rigel_webhook_redelivered_total",
		Help: "Failed webhook deliveries (not 2xx: a full queue, a stopping replica, a timeout) the leader asked GitHub to redeliver.",
	})
	reg.MustRegister(count)
	if s.RedeliverEvery <= 0 {
		return nil
	}
	if !s.UsesApp() {
		log.Info().Msg("failed webhook deliveries are not redelivered: GitHub's delivery log needs a GitHub App, and Rigel runs with a personal access token (redeliver them from the repository's webhook settings)")
		return nil
	}
	return &redeliverLoop{
		log: clients, store: &kube.Redeliveries{Client: kc, Namespace: s.Namespace},
		every: s.RedeliverEvery, gap: time.Second / time.Duration(s.RedeliveriesPerSecond()),
		base:  time.Second / time.Duration(s.RedeliveriesPerSecond()),
		count: count, now: time.Now,
	}
}

// run redelivers at once (a new leader does not know what failed while none led), then every
// interval, until ctx ends (the leadership with it). With a token it logs once and returns.
func (l *redeliverLoop) run(ctx context.Context) {
	log := zerolog.Ctx(ctx)
	for {
		start := time.Now()
		n, err := l.round(ctx)
		if errors.Is(err, githubclient.ErrNoApp) { // newRedeliverLoop said so already
			return
		}
		if ctx.Err() != nil {
			return
		}
		ev := log.Debug()
		if n > 0 {
			ev = log.Info()
		}
		if err != nil {
			ev = log.Warn().Err(err)
		}
		ev.Int("redelivered", n).Dur("took", time.Since(start)).Msg("redelivery of failed webhook deliveries done")
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.every):
		}
	}
}

// round reads the delivery log and redelivers what failed; it returns how many it asked.
func (l *redeliverLoop) round(ctx context.Context) (int, error) {
	st, err := l.store.Load(ctx)
	if err != nil {
		return 0, err
	}
	now := l.now()
	since := now.Add(-redeliverFirstLookback)
	if !st.Read.IsZero() {
		since = st.Read.Add(-redeliverOverlap)
	}
	since = latest(since, now.Add(-redeliverWindow))
	read, newest, err := readHookLog(ctx, l.log, since)
	if err != nil {
		return 0, err
	}
	todo, settled := toRedeliver(read, st.Events)
	l.pace(todo, st.Events)
	for _, g := range settled {
		delete(st.Events, g)
	}
	for g, r := range st.Events { // beyond GitHub's window: nothing more can be done
		if now.Sub(r.At) > redeliverWindow+redeliverOverlap {
			delete(st.Events, g)
		}
	}
	n, err := l.redeliver(ctx, todo, &st)
	if err == nil && newest.After(st.Read) {
		st.Read = newest // every delivery up to newest was judged
	}
	// Remembered even when the leadership just ended: a new leader must not ask again.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redeliverSaveTimeout)
	defer cancel()
	if serr := l.store.Save(sctx, st); serr != nil && err == nil {
		err = serr
	}
	return n, err
}

// pace slows the round down when redeliveries failed again (the queues are still full): the
// gap between two doubles, up to redeliverSlowest, for each round that must redeliver an event
// again, and is back to RIGEL_REDELIVER_RATE's once none must.
func (l *redeliverLoop) pace(todo []githubclient.HookDelivery, done map[string]kube.Redelivery) {
	for _, d := range todo {
		if done[d.GUID].Times > 0 {
			l.gap = min(2*l.gap, max(l.base, redeliverSlowest))
			return
		}
	}
	l.gap = l.base
}

// redeliver asks GitHub to redeliver todo, in order, paced, remembering each in st and
// saving st every redeliverSaveEvery. It stops at the first failure GitHub gives (a delivery
// refused as too old is remembered as done and skipped).
func (l *redeliverLoop) redeliver(ctx context.Context, todo []githubclient.HookDelivery, st *kube.RedeliveryState) (int, error) {
	log := zerolog.Ctx(ctx)
	n := 0
	next := time.Now() // when the next redelivery may be asked: one every gap, however long each takes
	for _, d := range todo {
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(time.Until(next)):
		}
		next = latest(next.Add(l.gap), time.Now())
		err := l.log.RedeliverHook(ctx, d.ID)
		var refused *githubclient.RedeliveryRefusedError
		if errors.As(err, &refused) {
			log.Warn().Err(err).Str("delivery", d.GUID).Msg("GitHub refused to redeliver a failed delivery; it is not asked again")
			st.Events[d.GUID] = kube.Redelivery{ID: d.ID, Times: redeliverTimes, At: l.now()}
			continue
		}
		if err != nil {
			return n, err
		}
		prev := st.Events[d.GUID]
		st.Events[d.GUID] = kube.Redelivery{ID: d.ID, Times: prev.Times + 1, At: l.now()}
		l.count.Inc()
		n++
		log.Info().Str("delivery", d.GUID).Int64("delivery_log_id", d.ID).Str("event", d.Event).Int("status", d.StatusCode).
			Int("times", prev.Times+1).Msg("asked GitHub to redeliver a failed webhook delivery")
		if n%redeliverSaveEvery == 0 {
			if err := l.store.Save(ctx, *st); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// toRedeliver judges deliveries (newest first) against what was redelivered: it returns the
// deliveries to redeliver, oldest first — for each event (GUID) never delivered successfully
// in deliveries, its newest delivery when that failed for a reason a redelivery can cure, was
// not redelivered already and the event not redeliverTimes times — and the events delivered
// successfully, which need no memory any more.
func toRedeliver(deliveries []githubclient.HookDelivery, done map[string]kube.Redelivery) (todo []githubclient.HookDelivery, settled []string) {
	delivered := map[string]bool{}
	for _, d := range deliveries {
		if succeeded(d.StatusCode) {
			delivered[d.GUID] = true
		}
	}
	judged := map[string]bool{}
	for _, d := range deliveries {
		if d.GUID == "" || judged[d.GUID] {
			continue
		}
		judged[d.GUID] = true
		if delivered[d.GUID] {
			if _, ok := done[d.GUID]; ok {
				settled = append(settled, d.GUID)
			}
			continue
		}
		if !curable(d.StatusCode) {
			continue
		}
		if r, ok := done[d.GUID]; ok && (r.ID == d.ID || r.Times >= redeliverTimes) {
			continue
		}
		todo = append(todo, d)
	}
	slices.Reverse(todo)
	return todo, settled
}

// succeeded: Rigel took the delivery (GitHub counts 2xx and 3xx as success).
func succeeded(code int) bool { return code >= 200 && code <= 399 }

// curable: a failure a later delivery may not meet — no answer (connection failed, timed
// out), a timeout or rate limit, a server error (a full queue, a stopping replica). A 4xx
// refusal of the delivery itself (signature, size, payload) would be refused again.
func curable(code int) bool {
	return code == 0 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
