package testenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The app's webhook and its delivery log (issue 14, redelivery): SetHook points the fake
// app's webhook at a URL, Deliver posts an event there as GitHub does and records the delivery
// with its outcome, and the app's hook deliveries API serves that log
// (GET /app/hook/deliveries, newest first, paged by cursor) and redelivers a delivery
// (POST /app/hook/deliveries/{delivery_id}/attempts: answered 202, then the same event with
// the same X-GitHub-Delivery GUID is posted again, and recorded as a redelivery). As on
// GitHub, only the app's JWT reads them, and a delivery older than HookDeliveryWindow cannot
// be redelivered.

// HookDeliveryWindow is how long GitHub lets a delivery be redelivered.
const HookDeliveryWindow = 3 * 24 * time.Hour

// hookTimeout is how long GitHub waits for a webhook's answer.
const hookTimeout = 10 * time.Second

func init() {
	handlers["apps/list-webhook-deliveries"] = (*GitHub).listHookDeliveries
	handlers["apps/redeliver-webhook-delivery"] = (*GitHub).redeliverHookDelivery
}

// HookDelivery is one delivery of the app's webhook, as GitHub's delivery log shows it.
type HookDelivery struct {
	ID             int64
	GUID           string // X-GitHub-Delivery: the same for a delivery and its redeliveries
	DeliveredAt    time.Time
	Redelivery     bool
	Duration       time.Duration
	Status         string // "OK", "Invalid HTTP Response: 503", "failed to connect", "timed out"
	StatusCode     int    // 0 when no answer came
	Event, Action  string
	InstallationID int64
	RepositoryID   int64
}

// hookState is the app's webhook and its delivery log; under gh.mu.
type hookState struct {
	url, secret string
	log         []*sentDelivery // oldest first
	client      *http.Client
}

type sentDelivery struct {
	HookDelivery
	body []byte
}

// SetHook points the app's webhook at url, its deliveries signed with secret.
func (gh *GitHub) SetHook(url, secret string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.hooks.url, gh.hooks.secret = url, secret
	if gh.hooks.client == nil {
		gh.hooks.client = &http.Client{Timeout: hookTimeout}
	}
}

// Deliver posts event with body to the app's webhook (SetHook) as GitHub does, with a new
// delivery GUID, and records the delivery and its outcome in the delivery log. An answer that
// is not 2xx is not an error: it is recorded as a failed delivery.
func (gh *GitHub) Deliver(event string, body []byte) (HookDelivery, error) {
	return gh.deliver(event, body, newDeliveryID(), false)
}

// HookDeliveries returns the delivery log, oldest first.
func (gh *GitHub) HookDeliveries() []HookDelivery {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	out := make([]HookDelivery, len(gh.hooks.log))
	for i, d := range gh.hooks.log {
		out[i] = d.HookDelivery
	}
	return out
}

// BackdateHookDelivery moves the time of delivery id back by age (to test the window).
func (gh *GitHub) BackdateHookDelivery(id int64, age time.Duration) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	for _, d := range gh.hooks.log {
		if d.ID == id {
			d.DeliveredAt = d.DeliveredAt.Add(-age)
		}
	}
}

func (gh *GitHub) deliver(event string, body []byte, guid string, redelivery bool) (HookDelivery, error) {
	gh.mu.Lock()
	target, secret, client := gh.hooks.url, gh.hooks.secret, gh.hooks.client
	gh.mu.Unlock()
	if target == "" {
		return HookDelivery{}, errors.New("testenv: the app has no webhook: call SetHook first")
	}
	var about struct {
		Action       string `json:"action"`
		Installation *struct {
			ID int64 `json:"id"`
		} `json:"installation"`
		Repository *struct {
			ID int64 `json:"id"`
		} `json:"repository"`
	}
	_ = json.Unmarshal(body, &about)
	d := &sentDelivery{HookDelivery: HookDelivery{GUID: guid, DeliveredAt: time.Now().UTC(), Redelivery: redelivery, Event: event, Action: about.Action}, body: body}
	if about.Installation != nil {
		d.InstallationID = about.Installation.ID
	}
	if about.Repository != nil {
		d.RepositoryID = about.Repository.ID
	}
	req, err := webhookRequest(target, secret, event, guid, body)
	if err != nil {
		return HookDelivery{}, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	d.Duration = time.Since(start)
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || isTimeout(err)):
		d.Status = "timed out"
	case err != nil:
		d.Status = "failed to connect"
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		d.StatusCode = resp.StatusCode
		d.Status = "OK"
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			d.Status = "Invalid HTTP Response: " + strconv.Itoa(resp.StatusCode)
		}
	}
	gh.mu.Lock()
	d.ID = gh.id()
	gh.hooks.log = append(gh.hooks.log, d)
	gh.mu.Unlock()
	return d.HookDelivery, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// hookDeliveryObj is a "Simple webhook delivery".
func hookDeliveryObj(d *sentDelivery) map[string]any {
	o := map[string]any{
		"id": d.ID, "guid": d.GUID, "delivered_at": ts(d.DeliveredAt), "redelivery": d.Redelivery,
		"duration": d.Duration.Seconds(), "status": d.Status, "status_code": d.StatusCode,
		"event": d.Event, "action": nil, "installation_id": nil, "repository_id": nil, "throttled_at": nil,
	}
	if d.Action != "" {
		o["action"] = d.Action
	}
	if d.InstallationID != 0 {
		o["installation_id"] = d.InstallationID
	}
	if d.RepositoryID != 0 {
		o["repository_id"] = d.RepositoryID
	}
	return o
}

// hookCursor is the cursor of the page that starts at delivery id (newest first).
func hookCursor(id int64) string { return "v1_" + strconv.FormatInt(id, 10) }

// listHookDeliveries answers GET /app/hook/deliveries: the app's deliveries, newest first,
// per_page at a time (default 30, at most 100), from the cursor of a Link rel="next"; status
// success keeps those answered 200-399, failure those answered 400-599.
func (gh *GitHub) listHookDeliveries(c *call) {
	if !gh.ownApp(c) {
		return
	}
	q := c.r.URL.Query()
	_, perPage := pageParams(q)
	from := int64(-1)
	if cur := q.Get("cursor"); cur != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(cur, "v1_"), 10, 64)
		if err != nil || !strings.HasPrefix(cur, "v1_") {
			gh.errorJSON(c.w, http.StatusBadRequest, "Bad cursor")
			return
		}
		from = id
	}
	status := q.Get("status")
	gh.mu.Lock()
	var match []*sentDelivery
	for _, d := range gh.hooks.log {
		ok := status == "" ||
			status == "success" && d.StatusCode >= 200 && d.StatusCode <= 399 ||
			status == "failure" && d.StatusCode >= 400 && d.StatusCode <= 599
		if ok && (from < 0 || d.ID <= from) {
			match = append(match, d)
		}
	}
	sort.Slice(match, func(i, j int) bool { return match[i].ID > match[j].ID })
	list := []any{}
	for _, d := range match[:min(perPage, len(match))] {
		list = append(list, hookDeliveryObj(d))
	}
	gh.mu.Unlock()
	if len(match) > perPage {
		next := url.Values{}
		next.Set("per_page", strconv.Itoa(perPage))
		next.Set("cursor", hookCursor(match[perPage].ID))
		if status != "" {
			next.Set("status", status)
		}
		c.w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, gh.srv.URL, c.r.URL.Path, next.Encode()))
	}
	gh.respond(c, http.StatusOK, list)
}

// redeliverHookDelivery answers POST /app/hook/deliveries/{delivery_id}/attempts: 202, then
// the delivery is posted again (same event, body and GUID) and recorded as a redelivery. An
// unknown delivery is 404; one older than HookDeliveryWindow is 422, as on GitHub.
func (gh *GitHub) redeliverHookDelivery(c *call) {
	if !gh.ownApp(c) {
		return
	}
	id, _ := strconv.ParseInt(c.params["delivery_id"], 10, 64)
	gh.mu.Lock()
	var d *sentDelivery
	for _, x := range gh.hooks.log {
		if x.ID == id {
			d = x
		}
	}
	var event, guid string
	var body []byte
	var at time.Time
	if d != nil {
		event, guid, body, at = d.Event, d.GUID, d.body, d.DeliveredAt
	}
	gh.mu.Unlock()
	switch {
	case d == nil:
		gh.errorJSON(c.w, http.StatusNotFound, "Not Found")
		return
	case time.Since(at) > HookDeliveryWindow:
		gh.errorJSON(c.w, http.StatusUnprocessableEntity, "Validation Failed: the delivery is too old to redeliver")
		return
	}
	gh.respond(c, http.StatusAccepted, map[string]any{})
	go func() { _, _ = gh.deliver(event, body, guid, true) }()
}

// ownApp lets the fake's own app (its JWT) through; anyone else is answered 403.
func (gh *GitHub) ownApp(c *call) bool {
	if !c.who.App || c.who.AppID != 0 {
		gh.errorJSON(c.w, http.StatusForbidden, "This endpoint needs the JWT of the app whose webhook it is")
		return false
	}
	return true
}
