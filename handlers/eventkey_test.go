package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// payload is GitHub's example payload event/file, changed by edit.
func payload(t *testing.T, event, file string, edit func(map[string]any)) []byte {
	t.Helper()
	p := testenv.Payload(event, file)
	if edit != nil {
		edit(p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEventKey(t *testing.T) {
	setAction := func(a string) func(map[string]any) { return func(p map[string]any) { p["action"] = a } }
	tests := []struct {
		name, event, delivery string
		body                  []byte
		want                  string
	}{
		{"a comment: its id and the action", "issue_comment", "d1", payload(t, "issue_comment", "created-1", nil), "issue_comment/492700400/created"},
		{"the same comment under another delivery id", "issue_comment", "d2", payload(t, "issue_comment", "created-1", nil), "issue_comment/492700400/created"},
		{"its edit is another event", "issue_comment", "d3", payload(t, "issue_comment", "edited-1", nil), "issue_comment/492700400/edited"},
		{"an opened issue: its id and the action", "issues", "d4", payload(t, "issues", "opened-1", nil), "issues/444500041/opened"},
		{"an edited issue: with a hash of its body", "issues", "d5", payload(t, "issues", "opened-1", setAction("edited")), "issues/444500041/edited/"},
		{"a pull request: repository, number, head and action", "pull_request", "d6", payload(t, "pull_request", "opened-1", nil),
			"pull_request/186853002/2/ec26c3e57ca3a959ca5aad62de7213c562f8c821/opened"},
		{"a push: the delivery id", "push", "d7", payload(t, "push", "event-1", nil), "delivery/d7"},
		{"a comment without an id: the delivery id", "issue_comment", "d8", payload(t, "issue_comment", "created-1", func(p map[string]any) { delete(p, "comment") }), "delivery/d8"},
		{"not JSON: the delivery id", "issue_comment", "d9", []byte("{"), "delivery/d9"},
		{"nothing to tell it by", "push", "", payload(t, "push", "event-1", nil), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EventKey(tc.event, tc.delivery, tc.body)
			if tc.want == "issues/444500041/edited/" {
				if len(got) != len(tc.want)+16 || got[:len(tc.want)] != tc.want {
					t.Fatalf("EventKey = %q, want %q and a hash", got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("EventKey = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("an edit with another body is another event", func(t *testing.T) {
		a := EventKey("issues", "x", payload(t, "issues", "opened-1", setAction("edited")))
		b := EventKey("issues", "x", payload(t, "issues", "opened-1", func(p map[string]any) {
			p["action"] = "edited"
			p["issue"].(map[string]any)["body"] = "/rigel diff"
		}))
		if a == b {
			t.Fatalf("two edits with different bodies share the key %q", a)
		}
	})
}

// fakeStore is a SeenStore in memory, failing with err when set.
type fakeStore struct {
	keys  map[string]bool
	err   error
	calls int
}

func (f *fakeStore) Claim(_ context.Context, key string) (bool, error) {
	f.calls++
	if f.err != nil {
		return false, f.err
	}
	if f.keys[key] {
		return false, nil
	}
	f.keys[key] = true
	return true, nil
}

func TestDeliveriesClaim(t *testing.T) {
	ctx := context.Background()
	shared := &fakeStore{keys: map[string]bool{}}
	var outcomes []string
	a := NewDeliveries(10)
	a.Store, a.Observe = shared, func(o string) { outcomes = append(outcomes, o) }
	b := NewDeliveries(10) // another replica, or this one after a restart
	b.Store = shared

	if !a.Claim(ctx, "k1") {
		t.Fatal("a first event did not run")
	}
	if a.Claim(ctx, "k1") {
		t.Fatal("the same event ran twice on one replica")
	}
	if shared.calls != 1 {
		t.Fatalf("the store was asked %d times, want once (memory first)", shared.calls)
	}
	if b.Claim(ctx, "k1") {
		t.Fatal("the same event ran on another replica")
	}
	if !b.Claim(ctx, "k2") {
		t.Fatal("another event did not run")
	}
	if !b.Claim(ctx, "") || !b.Claim(ctx, "") {
		t.Fatal("an event without a key was deduplicated")
	}
	down := NewDeliveries(10)
	down.Store = &fakeStore{err: errors.New("connection refused")}
	down.Observe = func(o string) { outcomes = append(outcomes, o) }
	if !down.Claim(ctx, "k3") {
		t.Fatal("an event did not run while the store was unreachable")
	}
	if down.Claim(ctx, "k3") {
		t.Fatal("while the store is unreachable, memory did not keep the replica from running it twice")
	}
	want := []string{SeenFirst, SeenDuplicate, SeenStoreError, SeenDuplicate}
	if len(outcomes) != len(want) {
		t.Fatalf("outcomes %v, want %v", outcomes, want)
	}
	for i := range want {
		if outcomes[i] != want[i] {
			t.Fatalf("outcomes %v, want %v", outcomes, want)
		}
	}
}
