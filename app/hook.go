package app

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/go-github/v62/github"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/inbox"
)

// MaxWebhookBytes is the largest delivery Rigel reads: GitHub caps webhook payloads at 25 MB.
const MaxWebhookBytes = 25 << 20

// guardHook answers what the dispatcher cannot answer well, before it checks the signature
// and queues the event: a body over limit bytes gets 413, a request without a signature header
// gets 400 before its body is read, and a correctly signed body that is not the JSON of its
// event gets 400 (a wrongly signed one is left to the dispatcher, which refuses it, so nobody
// without the secret makes Rigel decode JSON). Neither runs anything,
// and the replies never quote the body.
func guardHook(next http.Handler, limit int64, secret string) http.Handler {
	return guardDelivery(next, limit, &hookKeys{s: &config.Settings{WebhookSecret: secret}})
}

// guardDelivery is guardHook with the secret of each delivery chosen by keys (hook_keys.go).
func guardDelivery(next http.Handler, limit int64, keys *hookKeys) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := zerolog.Ctx(r.Context()).With().Str("event", r.Header.Get("X-GitHub-Event")).Str("delivery", r.Header.Get("X-GitHub-Delivery")).Logger()
		if r.ContentLength > limit {
			log.Warn().Int64("bytes", r.ContentLength).Msg("webhook body too large: refused")
			http.Error(w, "Webhook payload larger than 25 MB", http.StatusRequestEntityTooLarge)
			return
		}
		if r.Header.Get(github.SHA256SignatureHeader) == "" && r.Header.Get(github.SHA1SignatureHeader) == "" {
			// Unsigned: the dispatcher would refuse it after reading it all; nothing is read.
			log.Warn().Msg("unsigned webhook: refused unread")
			w.Header().Set("Connection", "close")
			http.Error(w, "Invalid webhook headers or payload: no X-Hub-Signature-256", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			log.Warn().Err(err).Msg("failed to read the webhook body")
			http.Error(w, "Could not read the webhook payload", http.StatusBadRequest)
			return
		}
		if int64(len(body)) > limit {
			log.Warn().Msg("webhook body too large: refused")
			http.Error(w, "Webhook payload larger than 25 MB", http.StatusRequestEntityTooLarge)
			return
		}
		ok := verified(r, body, keys.secretFor(r.Header.Get("Content-Type"), body)) // hook_keys.go
		if ok {
			msg, ev := checkPayload(r.Header.Get("Content-Type"), r.Header.Get("X-GitHub-Event"), body)
			if msg != "" {
				log.Warn().Str("problem", msg).Msg("malformed webhook payload: refused")
				http.Error(w, msg, http.StatusBadRequest)
				return
			}
			if lane, found := laneOfEvent(ev); found { // the queue need not decode it again
				r = r.WithContext(inbox.WithLane(r.Context(), lane))
			}
		}
		keys.forward(r, body, ok)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// checkPayload says what is wrong with a webhook body ("" when nothing is): it must be JSON
// (sent as is, or as the payload field of a form), and for an event go-github knows, decode
// into that event, which it returns (nil for an event it does not know).
func checkPayload(contentType, event string, body []byte) (string, any) {
	mt, _, _ := mime.ParseMediaType(contentType)
	payload := body
	switch mt {
	case "application/json":
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "Malformed form payload", nil
		}
		payload = []byte(form.Get("payload"))
	default:
		return "", nil // the dispatcher refuses content types it does not read
	}
	if github.EventForType(event) == nil { // an event go-github does not know: nothing to check it against
		if !json.Valid(payload) {
			return "Malformed JSON payload", nil
		}
		return "", nil
	}
	ev, err := github.ParseWebHook(event, payload)
	switch {
	case err == nil:
		return "", ev
	case !json.Valid(payload):
		return "Malformed JSON payload", nil
	}
	return "Payload does not match its X-GitHub-Event", nil
}

// laneOfEvent is inbox.Lane of an event's payload, read from the event decoded: its
// installation, else its repository; found is false when the event does not say (the queue
// reads the payload then).
func laneOfEvent(ev any) (lane string, found bool) {
	if e, ok := ev.(interface{ GetInstallation() *github.Installation }); ok {
		if id := e.GetInstallation().GetID(); id != 0 {
			return "i:" + strconv.FormatInt(id, 10), true
		}
	}
	if e, ok := ev.(interface{ GetRepo() *github.Repository }); ok {
		if name := e.GetRepo().GetFullName(); name != "" {
			return "r:" + name, true
		}
	}
	return "", false
}
