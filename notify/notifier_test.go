package notify

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/githubclient"
)

var repo = githubclient.Repo{Owner: "acme", Name: "shop", Installation: 7}

const commit = "0123456789abcdef0123456789abcdef01234567"

// fakeGitHub keeps deployments in memory, as GitHub would.
type fakeGitHub struct {
	mu       gosync.Mutex
	deps     []fakeDeployment
	creates  int
	failNext bool
}

type fakeDeployment struct {
	id       int64
	sha, env string
	statuses []githubclient.DeploymentStatus
}

func (f *fakeGitHub) CreateDeployment(_ context.Context, _ githubclient.Repo, d githubclient.NewDeployment) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext {
		f.failNext = false
		return 0, fmt.Errorf("failed to create a deployment: 502")
	}
	f.creates++
	id := int64(len(f.deps) + 1)
	f.deps = append(f.deps, fakeDeployment{id: id, sha: d.SHA, env: d.Environment})
	return id, nil
}

func (f *fakeGitHub) SetDeploymentStatus(_ context.Context, _ githubclient.Repo, id int64, s githubclient.DeploymentStatus) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deps[id-1].statuses = append(f.deps[id-1].statuses, s)
	return nil
}

func (f *fakeGitHub) LatestDeployment(_ context.Context, _ githubclient.Repo, env string) (*githubclient.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.deps) - 1; i >= 0; i-- {
		if f.deps[i].env == env {
			return &githubclient.Deployment{ID: f.deps[i].id, SHA: f.deps[i].sha, Environment: env}, nil
		}
	}
	return nil, nil
}

func (f *fakeGitHub) LatestDeploymentStatus(_ context.Context, _ githubclient.Repo, id int64) (*githubclient.DeploymentStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.deps[id-1].statuses
	if len(st) == 0 {
		return nil, nil
	}
	s := st[len(st)-1]
	return &s, nil
}

// states is each deployment's states, "id:state,state".
func (f *fakeGitHub) states() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.deps {
		var ss []string
		for _, s := range d.statuses {
			ss = append(ss, s.State)
		}
		out = append(out, fmt.Sprintf("%d:%s", d.id, strings.Join(ss, ",")))
	}
	return strings.Join(out, " ")
}

// run starts n's workers until the test ends, and waits is how the test waits for them.
func run(t *testing.T, n *Notifier) (wait func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for n.Pending() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d notifications still pending", n.Pending())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func ev(kind string, mod ...func(*Event)) Event {
	e := Event{Kind: kind, Deployment: "web", Repo: repo, Ref: "refs/heads/main", Commit: commit, Author: "alice", Number: 12}
	for _, m := range mod {
		m(&e)
	}
	return e
}

// TestGitHubDeployments: an apply is one deployment (in_progress, then success, failure or
// error); an end whose start was lost still makes one; drift sets failure on the latest
// deployment once, and success when gone; a new leader's check clears only a drift status.
func TestGitHubDeployments(t *testing.T) {
	applied := func(st string) func(*Event) {
		return func(e *Event) { e.Status, e.Summary = st, "1 created, 0 changed, 0 unchanged, 0 failed" }
	}
	tests := []struct {
		name     string
		failNext bool
		events   []Event
		want     string
	}{
		{name: "applied", events: []Event{ev(Applying), ev(Applied, applied(statusSucceeded))}, want: "1:in_progress,success"},
		{name: "unhealthy", events: []Event{ev(Applying), ev(Applied, applied(statusUnhealthy))}, want: "1:in_progress,failure"},
		{name: "failed", events: []Event{ev(Applying), ev(Failed, func(e *Event) { e.Summary = "the server rejected it" })}, want: "1:in_progress,error"},
		{name: "the start could not be told", failNext: true, events: []Event{ev(Applying), ev(Applied, applied(statusSucceeded))}, want: "1:success"},
		{name: "drift found twice, then gone", events: []Event{ev(Applying), ev(Applied, applied(statusSucceeded)),
			ev(Drifted, func(e *Event) { e.Summary = "drifted: 0 to create, 1 to change" }),
			ev(Drifted, func(e *Event) { e.Summary = "drifted: 0 to create, 1 to change" }),
			ev(DriftGone)}, want: "1:in_progress,success,failure,success"},
		{name: "a new leader clears a drift status", events: []Event{ev(Applying), ev(Applied, applied(statusSucceeded)),
			ev(Drifted, func(e *Event) { e.Summary = "drifted: 1 to create, 0 to change" }), ev(DriftCheck)}, want: "1:in_progress,success,failure,success"},
		{name: "a new leader's check of what is in sync sets nothing", events: []Event{ev(Applying), ev(Applied, applied(statusSucceeded)), ev(DriftCheck)}, want: "1:in_progress,success"},
		{name: "drift of an environment without deployments sets nothing", events: []Event{ev(Drifted, func(e *Event) { e.Summary = "drifted: 1 to create, 0 to change" })}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := &fakeGitHub{failNext: tt.failNext}
			n := New(Options{WebURL: "https://github.example/", GitHub: func(context.Context, githubclient.Repo) (GitHub, error) { return gh, nil }})
			wait := run(t, n)
			for _, e := range tt.events {
				n.Notify(context.Background(), e)
			}
			wait()
			if got := gh.states(); got != tt.want {
				t.Fatalf("deployments %q, want %q", got, tt.want)
			}
			for _, d := range gh.deps {
				for _, s := range d.statuses {
					if s.State != "failure" && s.State != "success" || !strings.Contains(s.Description, "drift") && !strings.Contains(s.Description, "in sync") {
						if s.LogURL != "https://github.example/acme/shop/issues/12" {
							t.Errorf("status %+v of an apply asked in #12 does not link to it", s)
						}
					} else if s.LogURL != "" {
						t.Errorf("drift status %+v links to a conversation", s)
					}
				}
			}
		})
	}
}

// TestNotifyNeverBlocks: with a webhook that never answers and GitHub unreachable, Notify
// returns at once, drops what its bounded queue cannot hold, and the apply is never told
// to wait.
func TestNotifyNeverBlocks(t *testing.T) {
	stuck := make(chan struct{})
	h := newHookServer(t, 200)
	h.Config.Handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-stuck })
	defer close(stuck)
	n := New(Options{
		Queue:   4,
		GitHub:  func(context.Context, githubclient.Repo) (GitHub, error) { return nil, fmt.Errorf("GitHub is down") },
		Webhook: &Webhook{URL: func(context.Context) (string, error) { return h.URL, nil }, Client: &http.Client{Timeout: time.Minute}},
	})
	run(t, n)
	start := time.Now()
	for range 200 {
		n.Notify(context.Background(), ev(Applied, func(e *Event) { e.Status = statusSucceeded }))
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("200 notifications took %s", took)
	}
	if n.Dropped() == 0 {
		t.Fatal("a queue of 4 held 200 events")
	}
}

// TestWebhookMessages: the webhook receives one message per applied, failed, drifted and
// drift-gone event (none for an apply starting or a new leader's check), a summary without
// Secret data, and Slack markup from names is escaped.
func TestWebhookMessages(t *testing.T) {
	h := newHookServer(t, 200)
	n := New(Options{Webhook: &Webhook{URL: func(context.Context) (string, error) { return h.URL + "/hook/T0/B0/tok", nil }}})
	wait := run(t, n)
	secretErr := `failed to apply web at 0123456: Secret "db" is invalid: data[password]: Invalid value: "hunter2-very-secret": must be valid; token ghp_abcdefghijklmnopqrstuvwxyz0123456789 for https://x-access-token:ghs_tok@github.com/acme/shop`
	for _, e := range []Event{
		ev(Applying),
		ev(Applied, func(e *Event) {
			e.Status, e.Summary, e.Pruned, e.SyncKind = statusSucceeded, "1 created, 0 changed, 2 unchanged, 0 failed, 1 deleted", 1, "rollback"
			e.Repo.Name = "shop-with-a-rather-long-repository-name" // a long name is no token
		}),
		ev(Failed, func(e *Event) { e.Summary = secretErr }),
		ev(Drifted, func(e *Event) { e.Summary = "drifted: 0 to create, 1 to change"; e.Deployment = "<!channel>" }),
		ev(DriftGone),
		ev(DriftCheck),
	} {
		n.Notify(context.Background(), e)
	}
	wait()
	got := h.got()
	if len(got) != 4 {
		t.Fatalf("%d messages, want 4: %q", len(got), got)
	}
	for i, want := range []string{"applied *web* at `0123456`", "failed to apply *web*", "drifted from `0123456`", "in sync again"} {
		if !strings.Contains(got[i], want) {
			t.Errorf("message %d %q lacks %q", i, got[i], want)
		}
	}
	if !strings.Contains(got[0], "by a rollback") || !strings.Contains(got[0], "acme/shop-with-a-rather-long-repository-name") || !strings.Contains(got[0], "Pruned 1") || !strings.Contains(got[0], ", main]") {
		t.Errorf("applied message %q", got[0])
	}
	for _, leak := range []string{"hunter2", "ghp_abc", "ghs_tok", "/hook/T0/B0/tok", "<!channel>"} {
		for _, m := range got {
			if strings.Contains(m, leak) {
				t.Errorf("message %q shows %q", m, leak)
			}
		}
	}
	if !strings.Contains(got[2], "&lt;!channel&gt;") {
		t.Errorf("the name's markup is not escaped: %q", got[2])
	}
}

// TestRedact: what the apiserver echoes, credentials in URLs and token-shaped runs go; the
// rest stays readable, on one line, bounded.
func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain failure: connection refused", "plain failure: connection refused"},
		{`data[k]: Invalid value: "s3cr3t": bad`, `data[k]: Invalid value: [redacted]: bad`},
		{"clone https://user:pass@git.example/x failed", "clone https://[redacted]@git.example/x failed"},
		{"token YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo0NTY3ODk= here", "token [redacted] here"},
		{"two\nlines", "two lines"},
		{strings.Repeat("a ", 400), strings.TrimSpace(strings.Repeat("a ", 150))[:maxSummary-1] + "…"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Redact("post to https://hooks.example/abc failed", "https://hooks.example/abc"); strings.Contains(got, "hooks.example") {
		t.Errorf("a named secret stays: %q", got)
	}
}
