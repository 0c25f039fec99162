package kube

import (
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var seenSeq int

func TestSeen(t *testing.T) {
	ctx := testCtx(t)
	seenSeq++
	ns := fmt.Sprintf("seen-%d", seenSeq)
	newNamespace(t, ctx, ns)
	a := &Seen{Client: testClient.Typed, Namespace: ns, Identity: "a"}
	b := &Seen{Client: testClient.Typed, Namespace: ns, Identity: "b"}
	count := func() int {
		t.Helper()
		list, err := testClient.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: SeenLabel + "=event"})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}

	t.Run("a key is claimed once, by any replica", func(t *testing.T) {
		if first, err := a.Claim(ctx, "issue_comment/1/created"); err != nil || !first {
			t.Fatalf("first claim = %v, %v", first, err)
		}
		if first, err := b.Claim(ctx, "issue_comment/1/created"); err != nil || first {
			t.Fatalf("second claim = %v, %v; want false, nil", first, err)
		}
		cm, err := testClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, SeenName("issue_comment/1/created"), metav1.GetOptions{})
		if err != nil || cm.Annotations[SeenKeyAnnotation] != "issue_comment/1/created" || cm.Annotations[SeenByAnnotation] != "a" {
			t.Fatalf("the record = %+v, %v", cm, err)
		}
	})
	t.Run("of many at once, one wins", func(t *testing.T) {
		var wins atomic.Int64
		var wg gosync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if first, err := a.Claim(ctx, "issue_comment/2/created"); err == nil && first {
					wins.Add(1)
				} else if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
	})
	t.Run("sweep keeps the newest within the count", func(t *testing.T) {
		for i := 3; i <= 6; i++ {
			if _, err := a.Claim(ctx, fmt.Sprintf("issue_comment/%d/created", i)); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(); n != 6 {
			t.Fatalf("%d records, want 6", n)
		}
		n, err := b.Sweep(ctx, time.Now(), 7*24*time.Hour, 4)
		if err != nil || n != 2 || count() != 4 {
			t.Fatalf("sweep deleted %d (%v), %d left; want 2 deleted, 4 left", n, err, count())
		}
	})
	t.Run("sweep deletes records older than the age", func(t *testing.T) {
		if n, err := b.Sweep(ctx, time.Now(), 7*24*time.Hour, 0); err != nil || n != 0 {
			t.Fatalf("sweep of fresh records deleted %d (%v)", n, err)
		}
		n, err := b.Sweep(ctx, time.Now().Add(8*24*time.Hour), 7*24*time.Hour, 0)
		if err != nil || n != 4 || count() != 0 {
			t.Fatalf("sweep deleted %d (%v), %d left; want all 4", n, err, count())
		}
		if first, err := a.Claim(ctx, "issue_comment/1/created"); err != nil || !first {
			t.Fatalf("a swept key was not claimable again: %v, %v", first, err)
		}
	})
	t.Run("other ConfigMaps are neither listed nor swept", func(t *testing.T) {
		if _, err := testClient.Typed.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "helmsman-git-sources", Namespace: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Sweep(ctx, time.Now().Add(8*24*time.Hour), 0, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := testClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "helmsman-git-sources", metav1.GetOptions{}); err != nil {
			t.Fatalf("the sweep deleted another ConfigMap: %v", err)
		}
	})
}
