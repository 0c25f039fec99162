package inbox

import (
	"strings"
	"testing"
)

// TestFairQueueTakesTurns: entries leave one lane at a time in turn, each lane in its order,
// so a lane with many entries delays another's by at most one entry per lane.
func TestFairQueueTakesTurns(t *testing.T) {
	cases := []struct {
		name   string
		pushed []string // lane/value, in the order pushed
		want   string   // values in the order popped
	}{
		{"one lane keeps its order", []string{"a/1", "a/2", "a/3"}, "1 2 3"},
		{"a busy lane does not starve a late one", []string{"a/1", "a/2", "a/3", "a/4", "b/x", "c/y"}, "1 x y 2 3 4"},
		{"turns go round", []string{"a/1", "a/2", "b/3", "b/4", "c/5"}, "1 3 5 2 4"},
		{"no lane is a lane too", []string{"/1", "a/2", "/3"}, "1 2 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := newFairQueue[string](1<<20, 100)
			for _, p := range c.pushed {
				lane, v, _ := strings.Cut(p, "/")
				if !q.reserve(1) {
					t.Fatalf("reserve refused %s", p)
				}
				q.push(lane, 1, v)
			}
			var got []string
			for range c.pushed {
				v, ok := q.pop()
				if !ok {
					t.Fatal("pop: closed")
				}
				got = append(got, v)
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Fatalf("popped %q, want %q", g, c.want)
			}
			if n, b := q.size(); n != 0 || b != 0 {
				t.Fatalf("after popping all: %d entries, %d bytes", n, b)
			}
		})
	}
}

// TestFairQueueBounds: the queue refuses what passes its bytes or its count, takes one entry
// of any size when empty, and takes again once room is given back.
func TestFairQueueBounds(t *testing.T) {
	type step struct {
		op    string // reserve N (and push), hold N (reserve only), unreserve N, pop
		n     int64
		want  bool
		count int
		bytes int64
	}
	cases := []struct {
		name     string
		maxBytes int64
		maxCount int
		steps    []step
	}{
		{"bytes bound", 100, 10, []step{
			{"reserve", 60, true, 1, 60}, {"reserve", 40, true, 2, 100}, {"reserve", 1, false, 2, 100},
			{"pop", 0, true, 1, 40}, {"reserve", 60, true, 2, 100}, {"reserve", 1, false, 2, 100},
		}},
		{"one big entry fits an empty queue only", 100, 10, []step{
			{"reserve", 500, true, 1, 500}, {"reserve", 1, false, 1, 500}, {"pop", 0, true, 0, 0}, {"reserve", 1, true, 1, 1}, {"reserve", 500, false, 1, 1},
		}},
		{"count bound", 1 << 20, 2, []step{
			{"reserve", 1, true, 1, 1}, {"reserve", 1, true, 2, 2}, {"reserve", 1, false, 2, 2}, {"pop", 0, true, 1, 1}, {"reserve", 1, true, 2, 2},
		}},
		{"unreserve gives back", 100, 10, []step{
			{"hold", 100, true, 1, 100}, {"reserve", 1, false, 1, 100}, {"unreserve", 100, true, 0, 0}, {"reserve", 100, true, 1, 100},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := newFairQueue[int64](c.maxBytes, c.maxCount)
			var pushed []int64 // reserved and pushed, to pop
			for i, s := range c.steps {
				var got bool
				switch s.op {
				case "reserve":
					if got = q.reserve(s.n); got {
						q.push("l", s.n, s.n)
						pushed = append(pushed, s.n)
					}
				case "hold": // reserved while the delivery is recorded
					got = q.reserve(s.n)
				case "unreserve": // the record failed: nothing is pushed
					q.unreserve(s.n)
					got = true
				case "pop":
					v, ok := q.pop()
					got = ok && v == pushed[0]
					pushed = pushed[1:]
				}
				n, b := q.size()
				if got != s.want || n != s.count || b != s.bytes {
					t.Fatalf("step %d %s %d: got %v, %d entries, %d bytes; want %v, %d, %d", i, s.op, s.n, got, n, b, s.want, s.count, s.bytes)
				}
			}
		})
	}
}

// TestFairQueueClose: a closed queue refuses, hands out what it holds, then reports closed.
func TestFairQueueClose(t *testing.T) {
	q := newFairQueue[string](100, 10)
	q.reserve(1)
	q.push("a", 1, "kept")
	q.close()
	if q.reserve(1) {
		t.Fatal("a closed queue took an entry")
	}
	if v, ok := q.pop(); !ok || v != "kept" {
		t.Fatalf("pop after close = %q, %v; want the entry held", v, ok)
	}
	if _, ok := q.pop(); ok {
		t.Fatal("pop of a closed empty queue reported an entry")
	}
}

func TestLane(t *testing.T) {
	for _, c := range []struct{ payload, want string }{
		{`{"installation":{"id":42},"repository":{"full_name":"o/r"}}`, "i:42"},
		{`{"repository":{"full_name":"o/r"}}`, "r:o/r"},
		{`{"installation":{"id":0},"repository":{"full_name":"o/r"}}`, "r:o/r"},
		{`{}`, ""},
		{`not json`, ""},
		{`{"installation":"x"}`, ""},
	} {
		if got := Lane([]byte(c.payload)); got != c.want {
			t.Errorf("Lane(%s) = %q, want %q", c.payload, got, c.want)
		}
	}
}
