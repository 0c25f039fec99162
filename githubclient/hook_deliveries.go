package githubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
)

// The app's webhook deliveries (issue 14, redelivery): GitHub keeps a log of every delivery
// of the app's webhook for 3 days, and redelivers one when asked. Both calls authenticate
// as the app (its JWT), not as an installation.

// ErrNoApp: the call needs a GitHub App, and Rigel runs with a personal access token.
var ErrNoApp = errors.New("this needs a GitHub App: Rigel runs with a personal access token")

// HookDelivery is one delivery of the app's webhook, as GitHub's log shows it.
type HookDelivery struct {
	ID          int64  // the delivery's id in the log; what RedeliverHook takes
	GUID        string // X-GitHub-Delivery: shared by a delivery and its redeliveries
	DeliveredAt time.Time
	Redelivery  bool
	StatusCode  int // the webhook's answer; 0 when none came (no connection, timed out)
	Status      string
	Event       string
	Action      string
}

// HookDeliveriesPerPage is the page size Rigel reads the log with (GitHub's maximum).
const HookDeliveriesPerPage = 100

// HookDeliveries reads one page of the app's webhook deliveries, newest first
// (GET /app/hook/deliveries, as the app): from the start when cursor is "", else from the
// cursor a previous page returned. next is "" on the last page. With a token it is ErrNoApp.
func (c *Clients) HookDeliveries(ctx context.Context, cursor string) (page []HookDelivery, next string, _ error) {
	app, err := c.appClient()
	if err != nil {
		return nil, "", err
	}
	list, resp, err := app.Apps.ListHookDeliveries(ctx, &github.ListCursorOptions{PerPage: HookDeliveriesPerPage, Cursor: cursor})
	if err != nil {
		return nil, "", fmt.Errorf("failed to read the app's webhook deliveries (GET /app/hook/deliveries): %s", githubStatus(err))
	}
	for _, d := range list {
		if d == nil {
			continue
		}
		page = append(page, HookDelivery{
			ID: d.GetID(), GUID: d.GetGUID(), DeliveredAt: d.GetDeliveredAt().Time, Redelivery: d.GetRedelivery(),
			StatusCode: d.GetStatusCode(), Status: d.GetStatus(), Event: d.GetEvent(), Action: d.GetAction(),
		})
	}
	return page, resp.Cursor, nil
}

// RedeliveryRefusedError: GitHub refused to redeliver delivery ID for a reason of the
// delivery itself (404: not in the log; 422: too old, or redelivered too often); asking again
// would be refused again. Rigel's own credentials or rate limit are not such a reason.
type RedeliveryRefusedError struct {
	ID     int64
	Status string // GitHub's answer: "422 Validation Failed"
}

func (e *RedeliveryRefusedError) Error() string {
	return fmt.Sprintf("GitHub refused to redeliver webhook delivery %d: %s", e.ID, e.Status)
}

// RedeliverHook asks GitHub to deliver delivery id of the app's webhook again
// (POST /app/hook/deliveries/{id}/attempts, as the app). GitHub answers 202 and delivers it
// later, with the same GUID. A refusal for the delivery's sake is a *RedeliveryRefusedError;
// with a token it is ErrNoApp.
func (c *Clients) RedeliverHook(ctx context.Context, id int64) error {
	app, err := c.appClient()
	if err != nil {
		return err
	}
	_, _, err = app.Apps.RedeliverHookDelivery(ctx, id)
	var accepted *github.AcceptedError // 202: what GitHub answers
	if errors.As(err, &accepted) {
		return nil
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode >= 400 && er.Response.StatusCode < 500 &&
		er.Response.StatusCode != http.StatusTooManyRequests && er.Response.StatusCode != http.StatusUnauthorized && er.Response.StatusCode != http.StatusForbidden {
		return &RedeliveryRefusedError{ID: id, Status: githubStatus(err)}
	}
	if err != nil {
		return fmt.Errorf("failed to redeliver webhook delivery %d (POST /app/hook/deliveries/%d/attempts): %s", id, id, githubStatus(err))
	}
	return nil
}

// appClient is the client that authenticates as the app; ErrNoApp with a token.
func (c *Clients) appClient() (*github.Client, error) {
	if c.creator == nil {
		return nil, ErrNoApp
	}
	app, err := c.creator.NewAppClient()
	if err != nil {
		return nil, fmt.Errorf("failed to build the app client: %w", err)
	}
	return app, nil
}
