package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/replica"
)

// commentForge is a Forge that records the comments posted; nothing else is asked of it.
type commentForge struct {
	ops.Forge
	posted []string
}

func (f *commentForge) Comment(_ context.Context, _ ops.Repo, _ int, body string) (int64, error) {
	f.posted = append(f.posted, body)
	return int64(len(f.posted)), nil
}

type forgeClients struct{ f *commentForge }

func (c forgeClients) ForInstallation(int64) (ops.Forge, error) { return c.f, nil }

// pullEvent is a pull_request body of acme/web#number.
func pullEvent(t *testing.T, action string, number int, merged bool) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"action": action, "number": number,
		"pull_request": map[string]any{"number": number, "state": "closed", "merged": merged, "closed_at": "2026-11-30T09:00:00Z", "head": map[string]any{"sha": strings.Repeat("a", 40)}},
		"repository":   map[string]any{"id": 7, "name": "web", "full_name": "acme/web", "owner": map[string]any{"login": "acme"}},
		"installation": map[string]any{"id": 4242},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPullRequestClosedReleasesHolds: only `closed` releases (reopened and the others that
// preview are pull_request_test.go's), and only the closed PR's holds;
// it says so in the PR once; another action, a payload that does not decode, or the same event
// again changes nothing.
func TestPullRequestClosedReleasesHolds(t *testing.T) {
	ctx := context.Background()
	leases := replica.New(&kube.Leases{Client: k8sfake.NewSimpleClientset(), Namespace: "rigel", Identity: "rigel-a", Duration: time.Second}, nil)
	for dep, n := range map[string]int{"web": 5, "api": 6} {
		if _, err := leases.TakePullHold(ctx, ops.PullHold{Deployment: dep, Repo: "acme/web", Number: n, Author: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	forge := &commentForge{}
	h := &PullRequest{Deps: Deps{Runner: &commands.Runner{Ops: &ops.Service{Holds: leases}}, Clients: forgeClients{forge}, Seen: NewDeliveries(100)}}
	held := func() string {
		var out []string
		list, err := leases.PullHolds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			out = append(out, x.Deployment)
		}
		return strings.Join(out, ",")
	}
	steps := []struct {
		name     string
		event    string
		payload  []byte
		held     string
		comments int
	}{
		{"undecodable", "pull_request", []byte("{"), "api,web", 0},
		{"an action that releases nothing", "pull_request", pullEvent(t, "labeled", 5, false), "api,web", 0},
		{"closed: #5's holds are released, and #5 is told", "pull_request", pullEvent(t, "closed", 5, true), "api", 1},
		{"the same closed again: nothing", "pull_request", pullEvent(t, "closed", 5, true), "api", 1},
		{"a PR that held nothing: nothing said", "pull_request", pullEvent(t, "closed", 8, false), "api", 1},
	}
	for i, s := range steps {
		if err := h.Handle(ctx, s.event, "d-"+string(rune('a'+i)), s.payload); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := held(); got != s.held {
			t.Errorf("%s: held %q, want %q", s.name, got, s.held)
		}
		if len(forge.posted) != s.comments {
			t.Errorf("%s: %d comments, want %d: %q", s.name, len(forge.posted), s.comments, forge.posted)
		}
	}
	if len(forge.posted) > 0 && !strings.Contains(forge.posted[0], "was merged, so Rigel gave back `web`") {
		t.Errorf("the note on #5 = %q", forge.posted[0])
	}
}
