package kube

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRedeliveries: the leader's memory of redeliveries round-trips through its ConfigMap; two
// leaders writing from the same version both keep what they know (merged, the later time read
// kept); a state beyond redeliveriesMax keeps the newest events; a broken record is an error
// that says how to start afresh.
func TestRedeliveries(t *testing.T) {
	ctx := testCtx(t)
	ns := "redeliveries"
	newNamespace(t, ctx, ns)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

	a := &Redeliveries{Client: testClient.Typed, Namespace: ns}
	st, err := a.Load(ctx)
	if err != nil || len(st.Events) != 0 || !st.Read.IsZero() {
		t.Fatalf("absent record = %+v, %v; want empty", st, err)
	}
	st.Read = at
	st.Events["a"] = Redelivery{ID: 1, Times: 1, At: at}
	if err := a.Save(ctx, st); err != nil {
		t.Fatal(err)
	}

	b := &Redeliveries{Client: testClient.Typed, Namespace: ns}
	theirs, err := b.Load(ctx)
	if err != nil || theirs.Events["a"] != (Redelivery{ID: 1, Times: 1, At: at}) || !theirs.Read.Equal(at) {
		t.Fatalf("read back %+v, %v", theirs, err)
	}
	// both from the same version: a writes first, b's write conflicts and merges
	st.Events["x"] = Redelivery{ID: 7, Times: 2, At: at.Add(time.Minute)}
	if err := a.Save(ctx, st); err != nil {
		t.Fatal(err)
	}
	theirs.Read = at.Add(time.Hour)
	theirs.Events["a"] = Redelivery{ID: 3, Times: 2, At: at.Add(2 * time.Minute)}
	theirs.Events["y"] = Redelivery{ID: 9, Times: 1, At: at.Add(3 * time.Minute)}
	if err := b.Save(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	got, err := (&Redeliveries{Client: testClient.Typed, Namespace: ns}).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Redelivery{
		"a": {ID: 3, Times: 2, At: at.Add(2 * time.Minute)}, // redelivered more often by b
		"x": {ID: 7, Times: 2, At: at.Add(time.Minute)},     // only a knew it
		"y": {ID: 9, Times: 1, At: at.Add(3 * time.Minute)}, // only b knew it
	}
	if len(got.Events) != len(want) || !got.Read.Equal(at.Add(time.Hour)) {
		t.Fatalf("merged = %+v; want %+v read up to %s", got, want, at.Add(time.Hour))
	}
	for g, r := range want {
		if got.Events[g] != r {
			t.Errorf("event %s = %+v, want %+v", g, got.Events[g], r)
		}
	}

	t.Run("bounded to the newest", func(t *testing.T) {
		big := RedeliveryState{Events: map[string]Redelivery{}}
		for i := range redeliveriesMax + 5 {
			big.Events[fmt.Sprint(i)] = Redelivery{ID: int64(i), Times: 1, At: at.Add(time.Duration(i) * time.Second)}
		}
		kept := bounded(big)
		if len(kept.Events) != redeliveriesMax {
			t.Fatalf("kept %d events, want %d", len(kept.Events), redeliveriesMax)
		}
		for i := range 5 {
			if _, ok := kept.Events[fmt.Sprint(i)]; ok {
				t.Errorf("event %d, among the 5 oldest, was kept", i)
			}
		}
	})

	t.Run("a broken record", func(t *testing.T) {
		cm, err := testClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, RedeliveriesConfigMap, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.BinaryData = map[string][]byte{redeliveriesKey: []byte("not gzip")}
		if _, err := testClient.Typed.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = (&Redeliveries{Client: testClient.Typed, Namespace: ns}).Load(ctx)
		if err == nil || !strings.Contains(err.Error(), "delete it to start afresh") || !strings.Contains(err.Error(), RedeliveriesConfigMap) {
			t.Fatalf("error = %v; want one naming the ConfigMap and how to start afresh", err)
		}
	})
}
