package app

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/palantir/go-githubapp/githubapp"
	"github.com/rs/zerolog"
)

// queueFullRetryAfter is the Retry-After of a 503 for a full queue.
const queueFullRetryAfter = 30 * time.Second

// refuseDelivery answers the deliveries the dispatcher does not take. A full queue gets 503
// with Retry-After: the delivery was not queued, nothing of it ran, and its event is not
// remembered as seen (handlers.Deliveries and the shared store only learn an event's key when
// a worker takes the delivery), so when it is delivered again it runs. GitHub does not redeliver by itself: it records the delivery as
// failed, to be redelivered from the app's settings or with the REST API. Everything else is
// answered as go-githubapp does (400 for a bad signature or payload, 500 otherwise).
func refuseDelivery(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, githubapp.ErrCapacityExceeded) {
		zerolog.Ctx(r.Context()).Warn().Str("event", r.Header.Get("X-GitHub-Event")).Str("delivery", r.Header.Get("X-GitHub-Delivery")).
			Msg("webhook queue full: answered 503, the delivery did not run")
		w.Header().Set("Retry-After", strconv.Itoa(int(queueFullRetryAfter.Seconds())))
		http.Error(w, "Rigel is busy: the delivery was not queued and did not run. Redeliver it later.", http.StatusServiceUnavailable)
		return
	}
	githubapp.DefaultErrorCallback(w, r, err)
}
