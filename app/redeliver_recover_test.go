package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestRecoverWindow: of the app's delivery log, the recovery of a dead replica's window asks
// GitHub to redeliver, oldest first, each event answered 2xx within the window (widened by
// recoverMargin), except those adopted from its records; not what was delivered before or
// after it, nor what failed (the redelivery loop's work).
func TestRecoverWindow(t *testing.T) {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Stop)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "refused") {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	gh.SetHook(hook.URL, "s")
	deliver := func(what string, age time.Duration) testenv.HookDelivery {
		d, err := gh.Deliver("issue_comment", testenv.IssueComment(testenv.CommentOpts{Repo: "acme/web", Issue: 1, Body: "/rigel diff " + what}))
		if err != nil {
			t.Fatal(err)
		}
		gh.BackdateHookDelivery(d.ID, age)
		return d
	}
	before := deliver("before the window", 5*time.Minute)
	in1 := deliver("in the window", 62*time.Second)
	adopted := deliver("in the window, adopted", 61*time.Second)
	in2 := deliver("in the window too", 60*time.Second)
	failed := deliver("in the window, refused", 60*time.Second)
	after := deliver("after the window", 0)
	clients, err := githubclient.New(githubclient.Credentials{APIURL: gh.URL(), AppID: gh.AppID, PrivateKey: gh.PrivateKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	count := prometheus.NewCounter(prometheus.CounterOpts{Name: "t"})
	rc := &recoverer{log: clients, gap: 100 * time.Millisecond, count: count} // paced: the fake redelivers each on a goroutine of its own
	now := time.Now()
	if err := rc.recover(context.Background(), "rigel-inbox-dead", now.Add(-2*time.Minute), now.Add(-30*time.Second), map[string]bool{adopted.GUID: true}); err != nil {
		t.Fatal(err)
	}
	waitFor := time.Now().Add(10 * time.Second)
	var got []string
	for time.Now().Before(waitFor) {
		got = nil
		for _, d := range gh.HookDeliveries() {
			if d.Redelivery {
				got = append(got, d.GUID)
			}
		}
		if len(got) >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if want := []string{in1.GUID, in2.GUID}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("redelivered %v, want %v (not %s before, %s adopted, %s refused, %s after)", got, want, before.GUID, adopted.GUID, failed.GUID, after.GUID)
	}
	if n := testutil.ToFloat64(count); n != 2 {
		t.Fatalf("counted %v, want 2", n)
	}
}
