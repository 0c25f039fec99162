package config

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"
)

// TestDriftStore: what the leader saves every replica loads back; entries nobody but a
// hostile writer of the ConfigMap could have written are left out; the state is bounded.
func TestDriftStore(t *testing.T) {
	ctx := context.Background()
	c := k8sfake.NewSimpleClientset()
	s := NewDriftStore(c, "rigel")
	if got, err := s.Load(ctx); err != nil || len(got) != 0 {
		t.Fatalf("no ConfigMap: %v %v, want empty", got, err)
	}
	at := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)
	sha := strings.Repeat("a", 40)
	in := map[string]DriftEntry{
		"web": {Commit: sha, CheckedAt: at, State: "drifted", Update: 2},
		"api": {Commit: sha, CheckedAt: at, State: "skipped", Previous: &DriftEntry{Commit: sha, CheckedAt: at.Add(-time.Minute), State: "in-sync"}},
	}
	for round := 0; round < 2; round++ { // created, then updated
		if left, err := s.Save(ctx, in); err != nil || left != 0 {
			t.Fatalf("Save: %d left out, %v", left, err)
		}
		got, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("round %d: loaded %v, want %v", round, got, in)
		}
		in["db"] = DriftEntry{Commit: sha, CheckedAt: at, State: "in-sync"}
	}

	// A hostile writer of the ConfigMap.
	cm, err := c.CoreV1().ConfigMaps("rigel").Get(ctx, DriftConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data[driftStateKey] = `{"version":1,"deployments":{` +
		`"ok":{"commit":"` + sha + `","checkedAt":"2026-11-30T11:00:00Z","state":"in-sync"},` +
		`"state":{"commit":"` + sha + `","checkedAt":"2026-11-30T11:00:00Z","state":"<b>pwned</b>"},` +
		`"commit":{"commit":"` + "`x` [link](http://evil)" + `","checkedAt":"2026-11-30T11:00:00Z","state":"drifted"},` +
		`"count":{"commit":"` + sha + `","checkedAt":"2026-11-30T11:00:00Z","state":"drifted","update":-1},` +
		`"nested":{"commit":"` + sha + `","checkedAt":"2026-11-30T11:00:00Z","state":"skipped","previous":{"commit":"` + sha + `","checkedAt":"2026-11-30T11:00:00Z","state":"skipped","previous":{"commit":"` + sha + `","checkedAt":"2026-11-30T11:00:00Z","state":"in-sync"}}}}}`
	if _, err := c.CoreV1().ConfigMaps("rigel").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx)
	if err != nil || len(got) != 1 || got["ok"].State != "in-sync" {
		t.Fatalf("hostile state loaded as %v, %v; want only the valid entry", got, err)
	}
	cm.Data[driftStateKey] = "not json"
	if _, err := c.CoreV1().ConfigMaps("rigel").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx); err == nil {
		t.Error("a state that is not JSON loaded without error")
	}

	// Bounded: many deployments, some left out, the rest in name order.
	many := map[string]DriftEntry{}
	for i := 0; i < 5000; i++ {
		many[fmt.Sprintf("deployment-with-a-long-name-%04d", i)] = DriftEntry{Commit: sha, CheckedAt: at, State: "in-sync"}
	}
	left, err := s.Save(ctx, many)
	if err != nil || left == 0 {
		t.Fatalf("Save of 5000: %d left out, %v; want some left out", left, err)
	}
	cm, _ = c.CoreV1().ConfigMaps("rigel").Get(ctx, DriftConfigMap, metav1.GetOptions{})
	if n := len(cm.Data[driftStateKey]); n > DriftStateLimit {
		t.Errorf("saved %d bytes, more than the limit %d", n, DriftStateLimit)
	}
	got, _ = s.Load(ctx)
	if len(got) != 5000-left || got["deployment-with-a-long-name-0000"].State == "" {
		t.Errorf("loaded %d, want %d from the first name on", len(got), 5000-left)
	}
}
