package commands

import (
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type step struct {
		key          string
		n            int
		at           time.Duration
		wantAdmitted int
		wantTell     bool
	}
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"under the limit", 3, []step{{"a", 1, 0, 1, false}, {"a", 2, time.Second, 2, false}}},
		{"a comment over the limit is cut, and told once", 3, []step{{"a", 5, 0, 3, true}, {"a", 1, time.Second, 0, false}, {"a", 2, 50 * time.Second, 0, false}}},
		{"the 21st of 25 commands is told, the rest dropped silently", 20, func() []step {
			var s []step
			for i := range 25 {
				admitted, tell := 1, false
				if i >= 20 {
					admitted, tell = 0, i == 20
				}
				s = append(s, step{"a", 1, time.Duration(i) * time.Second, admitted, tell})
			}
			return s
		}()},
		{"the window slides", 2, []step{{"a", 2, 0, 2, false}, {"a", 1, 30 * time.Second, 0, true}, {"a", 1, 61 * time.Second, 1, false}, {"a", 2, 62 * time.Second, 1, false}}},
		{"told again only a window after being told", 1, []step{{"a", 1, 0, 1, false}, {"a", 1, time.Second, 0, true}, {"a", 1, 30 * time.Second, 0, false},
			{"a", 1, 61 * time.Second, 1, false}, {"a", 1, 62 * time.Second, 0, true}, {"a", 1, 63 * time.Second, 0, false}}},
		{"people and repositories are counted apart", 1, []step{{"alice acme/web", 1, 0, 1, false}, {"bob acme/web", 1, 0, 1, false}, {"alice acme/api", 1, 0, 1, false}, {"alice acme/web", 1, 0, 0, true}}},
		{"a clock that goes back", 2, []step{{"a", 1, time.Minute, 1, false}, {"a", 1, 0, 1, false}, {"a", 1, 30 * time.Second, 0, true}}},
		{"nothing asked", 1, []step{{"a", 0, 0, 0, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewRateLimiter(tc.limit, time.Minute)
			for i, s := range tc.steps {
				admitted, tell := l.Admit(s.key, s.n, at(s.at))
				if admitted != s.wantAdmitted || tell != s.wantTell {
					t.Fatalf("step %d (%d of %s at +%s): admitted %d, tell %v; want %d, %v", i, s.n, s.key, s.at, admitted, tell, s.wantAdmitted, s.wantTell)
				}
			}
		})
	}
}

func TestRateLimiterOffAndForgetting(t *testing.T) {
	var off *RateLimiter = NewRateLimiter(0, time.Minute)
	if off != nil {
		t.Fatal("a limit of 0 is a limiter")
	}
	if n, tell := off.Admit("a", 1000, time.Now()); n != 1000 || tell || off.Limit() != 0 {
		t.Fatalf("no limiter admitted %d, tell %v", n, tell)
	}
	l := NewRateLimiter(5, time.Minute)
	t0 := time.Now()
	for i := range 100 {
		l.Admit(string(rune('a'+i%26))+string(rune('a'+i/26)), 1, t0)
	}
	if l.size() != 100 {
		t.Fatalf("remembers %d keys, want 100", l.size())
	}
	l.Admit("z", 1, t0.Add(2*time.Minute))
	if l.size() != 1 {
		t.Fatalf("a window later it remembers %d keys, want only the active one", l.size())
	}
}
