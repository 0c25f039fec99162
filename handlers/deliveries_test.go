package handlers

import (
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
)

func TestDeliveries(t *testing.T) {
	t.Run("a redelivery is not first", func(t *testing.T) {
		d := NewDeliveries(3)
		if !d.First("a") || d.First("a") || !d.First("b") || d.First("a") {
			t.Fatal("a second delivery of the same id was taken as new")
		}
	})
	t.Run("the oldest is forgotten past the bound", func(t *testing.T) {
		d := NewDeliveries(3)
		for _, id := range []string{"a", "b", "c", "d"} {
			d.First(id)
		}
		if len(d.seen) != 3 {
			t.Fatalf("remembers %d ids, want at most 3", len(d.seen))
		}
		if d.First("c") || d.First("d") {
			t.Fatal("recent ids were forgotten")
		}
		if !d.First("a") {
			t.Fatal("the oldest id was not forgotten")
		}
	})
	t.Run("no id is always first", func(t *testing.T) {
		d := NewDeliveries(3)
		if !d.First("") || !d.First("") {
			t.Fatal("an empty delivery id was deduplicated")
		}
	})
	t.Run("concurrent redeliveries run once", func(t *testing.T) {
		d := NewDeliveries(100)
		var firsts atomic.Int64
		var wg gosync.WaitGroup
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if d.First(fmt.Sprintf("id-%d", i%5)) {
					firsts.Add(1)
				}
			}(i)
		}
		wg.Wait()
		if firsts.Load() != 5 {
			t.Fatalf("%d deliveries ran, want 5 (one per id)", firsts.Load())
		}
	})
}
