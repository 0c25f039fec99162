package testenv

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

// TestGitHubHookDeliveries: Deliver posts a signed delivery to the app's hook and logs its
// outcome; the log is read newest first by the app's JWT only, filtered by status, paged by
// cursor (a cursor that is not one is 400); a redelivery keeps the GUID and is logged as
// one; an unknown delivery is 404, one past the window 422; and without a hook Deliver fails.
func TestGitHubHookDeliveries(t *testing.T) {
	f := newGHFixture(t)
	if _, err := f.gh.Deliver("issue_comment", []byte(`{}`)); err == nil {
		t.Fatal("Deliver without a hook did not fail")
	}
	var mu sync.Mutex
	var signed []bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		signed = append(signed, r.Header.Get("X-Hub-Signature-256") == Sign("s", body) && r.Header.Get("X-GitHub-Delivery") != "")
		mu.Unlock()
		if r.Header.Get("X-GitHub-Event") == "push" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	f.gh.SetHook(hook.URL, "s")
	var sent []HookDelivery
	for i, ev := range []string{"issue_comment", "push", "issue_comment", "push", "issue_comment"} {
		d, err := f.gh.Deliver(ev, []byte(fmt.Sprintf(`{"action":"created","installation":{"id":%d},"repository":{"id":7},"n":%d}`, f.gh.InstallationID, i)))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, d)
	}
	mu.Lock()
	for i, ok := range signed {
		if !ok {
			t.Errorf("delivery %d was not signed with the hook's secret, or had no GUID", i)
		}
	}
	mu.Unlock()
	if sent[1].StatusCode != 503 || sent[1].Status != "Invalid HTTP Response: 503" || sent[0].StatusCode != 202 || sent[0].Status != "OK" {
		t.Fatalf("logged outcomes %+v, %+v", sent[0], sent[1])
	}

	page, resp, err := f.apps.Apps.ListHookDeliveries(f.ctx, &github.ListCursorOptions{PerPage: 2})
	if err != nil || len(page) != 2 || page[0].GetID() != sent[4].ID || page[1].GetID() != sent[3].ID || resp.Cursor == "" {
		t.Fatalf("first page: %v, cursor %q, %v", page, resp.Cursor, err)
	}
	if page[1].GetGUID() != sent[3].GUID || page[1].GetStatusCode() != 503 || page[1].GetEvent() != "push" || page[1].GetAction() != "created" || page[1].GetInstallationID() != f.gh.InstallationID || page[1].GetRepositoryID() != 7 {
		t.Fatalf("delivery as listed: %v", page[1])
	}
	rest, resp, err := f.apps.Apps.ListHookDeliveries(f.ctx, &github.ListCursorOptions{PerPage: 2, Cursor: resp.Cursor})
	if err != nil || len(rest) != 2 || rest[0].GetID() != sent[2].ID || resp.Cursor == "" {
		t.Fatalf("second page: %v, %v", rest, err)
	}
	failed, _, err := f.apps.Apps.ListHookDeliveries(f.ctx, &github.ListCursorOptions{PerPage: 100})
	if err != nil || len(failed) != 5 {
		t.Fatalf("all: %v, %v", failed, err)
	}
	req, _ := f.apps.NewRequest("GET", "app/hook/deliveries?status=failure", nil)
	var onlyFailed []*github.HookDelivery
	if _, err := f.apps.Do(f.ctx, req, &onlyFailed); err != nil || len(onlyFailed) != 2 || onlyFailed[0].GetStatusCode() != 503 {
		t.Fatalf("status=failure: %v, %v", onlyFailed, err)
	}
	req, _ = f.apps.NewRequest("GET", "app/hook/deliveries?cursor=nope", nil)
	if resp, err := f.apps.Do(f.ctx, req, nil); statusOf(resp) != http.StatusBadRequest {
		t.Fatalf("a cursor that is not one: %d, %v; want 400", statusOf(resp), err)
	}
	if _, resp, err := f.inst.Apps.ListHookDeliveries(f.ctx, nil); statusOf(resp) != http.StatusUnauthorized {
		t.Fatalf("an installation token read the log: %d, %v; want 401", statusOf(resp), err)
	}
	f.checkViolation(t, "")

	if _, _, err := f.apps.Apps.RedeliverHookDelivery(f.ctx, sent[1].ID); err == nil {
		t.Fatal("redeliver: no 202")
	} else if _, ok := err.(*github.AcceptedError); !ok {
		t.Fatalf("redeliver: %v, want 202 Accepted", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		log := f.gh.HookDeliveries()
		if last := log[len(log)-1]; len(log) == 6 && last.Redelivery && last.GUID == sent[1].GUID && last.Event == "push" && last.StatusCode == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no redelivery of %d logged: %+v", sent[1].ID, f.gh.HookDeliveries())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, resp, _ := f.apps.Apps.RedeliverHookDelivery(f.ctx, 1); statusOf(resp) != http.StatusNotFound {
		t.Fatalf("redeliver an unknown delivery: %d, want 404", statusOf(resp))
	}
	f.gh.BackdateHookDelivery(sent[0].ID, HookDeliveryWindow+time.Minute)
	if _, resp, _ := f.apps.Apps.RedeliverHookDelivery(f.ctx, sent[0].ID); statusOf(resp) != http.StatusUnprocessableEntity {
		t.Fatalf("redeliver a delivery past the window: %d, want 422", statusOf(resp))
	}
	f.checkViolation(t, "")
}
