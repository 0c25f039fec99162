package githubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestHookDeliveries: the app's webhook deliveries are read as the app (its JWT), newest
// first, page after page by cursor until the last; RedeliverHook makes GitHub deliver one
// again with its GUID; with a token both are ErrNoApp and GitHub is not asked.
func TestHookDeliveries(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	var n atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	gh.SetHook(hook.URL, "s")
	const sent = 230 // three pages of 100
	for i := 0; i < sent; i++ {
		body := testenv.IssueComment(testenv.CommentOpts{Repo: "acme/web", Issue: 1, Body: fmt.Sprintf("/rigel diff %d", i)})
		if _, err := gh.Deliver("issue_comment", body); err != nil {
			t.Fatal(err)
		}
	}
	clients, err := New(Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var all []HookDelivery
	cursor, pages := "", 0
	for {
		page, next, err := clients.HookDeliveries(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if pages != 3 || len(all) != sent {
		t.Fatalf("read %d deliveries in %d pages, want %d in 3", len(all), pages, sent)
	}
	log := gh.HookDeliveries()
	failed := HookDelivery{}
	for i, d := range all {
		want := log[len(log)-1-i] // newest first
		if d.ID != want.ID || d.GUID != want.GUID || d.StatusCode != want.StatusCode || d.Event != "issue_comment" || d.Action != "created" || d.DeliveredAt.IsZero() {
			t.Fatalf("delivery %d = %+v, want %+v", i, d, want)
		}
		if d.StatusCode == http.StatusServiceUnavailable && failed.ID == 0 {
			failed = d
		}
	}
	if failed.ID == 0 {
		t.Fatal("no delivery failed: the hook answers 503 every third time")
	}
	for _, r := range gh.Requests() {
		if strings.HasPrefix(r.Path, "/app/hook/deliveries") && (r.Login != "app" || r.Status != http.StatusOK) {
			t.Fatalf("%s %s?%s by %q answered %d: want the app's JWT, 200", r.Method, r.Path, r.Query, r.Login, r.Status)
		}
	}

	if err := clients.RedeliverHook(ctx, failed.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		log = gh.HookDeliveries()
		if last := log[len(log)-1]; len(log) == sent+1 && last.Redelivery {
			if last.GUID != failed.GUID {
				t.Fatalf("redelivery GUID %s, want %s", last.GUID, failed.GUID)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no redelivery of %d after 10s", failed.ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var refused *RedeliveryRefusedError
	if err := clients.RedeliverHook(ctx, 1); !errors.As(err, &refused) || !strings.HasPrefix(refused.Status, "404") {
		t.Fatalf("RedeliverHook(unknown) = %v, want a *RedeliveryRefusedError with GitHub's 404", err)
	}
	old := log[0]
	gh.BackdateHookDelivery(old.ID, testenv.HookDeliveryWindow)
	if err := clients.RedeliverHook(ctx, old.ID); !errors.As(err, &refused) || !strings.HasPrefix(refused.Status, "422") {
		t.Fatalf("RedeliverHook(older than 3 days) = %v, want a *RedeliveryRefusedError with GitHub's 422", err)
	}

	token, err := New(Credentials{APIURL: gh.URL(), Token: "ghp_x", TokenLogin: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(gh.Requests())
	if _, _, err := token.HookDeliveries(ctx, ""); !errors.Is(err, ErrNoApp) {
		t.Fatalf("token mode: HookDeliveries = %v, want ErrNoApp", err)
	}
	if err := token.RedeliverHook(ctx, failed.ID); !errors.Is(err, ErrNoApp) {
		t.Fatalf("token mode: RedeliverHook = %v, want ErrNoApp", err)
	}
	if after := len(gh.Requests()); after != before {
		t.Fatalf("token mode asked GitHub %d times, want none", after-before)
	}
	if v := gh.Violations(); len(v) > 0 {
		t.Fatalf("requests the real API would refuse: %v", v)
	}
	if e := gh.FakeErrors(); len(e) > 0 {
		t.Fatalf("the fake's answers do not match the description: %v", e)
	}
}
