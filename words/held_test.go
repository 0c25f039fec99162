package words

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/ops"
)

func TestHeld(t *testing.T) {
	tests := []struct {
		name  string
		held  ops.Held
		wants []string
	}{
		{"a conversation's apply", ops.Held{Deployment: "web", Command: "/rigel apply --all", Repo: "acme/shop", Number: "12", Replica: "rigel-a", Age: 40 * time.Second},
			[]string{"`web` is being applied right now: `/rigel apply --all` from acme/shop#12", "started 40 s ago", "on replica `rigel-a`", "Nothing was done"}},
		{"an API call", ops.Held{Deployment: "web", Command: "apply web (HTTP API)", Replica: "rigel-b", Age: 3 * time.Minute},
			[]string{"`apply web (HTTP API)` started 3 min ago", "`rigel-b`"}},
		{"a lease without annotations", ops.Held{Deployment: "web", Replica: "rigel-c"}, []string{"another apply started less than a second ago"}},
		{"a repo without a number", ops.Held{Deployment: "web", Command: "/rigel apply web", Repo: "acme/shop", Replica: "rigel-d", Age: 3 * time.Hour},
			[]string{"`/rigel apply web` started 3 h ago"}},
		{"a command that would break out of its code span", ops.Held{Deployment: "web", Command: "x` **bold** `", Replica: "r", Age: time.Second},
			[]string{"`x' **bold** '` started"}},
		{"a Lease whose repository is Markdown", ops.Held{Deployment: "web", Command: "/rigel apply", Repo: "[click](https://evil.test)", Number: "1", Replica: "r", Age: time.Second},
			[]string{"from `[click](https://evil.test)#", "1` started"}},
		{"a Lease whose issue number is a mention", ops.Held{Deployment: "web", Command: "/rigel apply", Repo: "acme/shop", Number: "1 @everyone", Replica: "r", Age: time.Second},
			[]string{"from `acme/shop#", "1 @everyone` started"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Refusal(fmt.Errorf("apply: %w", &tc.held), Comment)
			if !ok {
				t.Fatal("Held is not worded as a refusal")
			}
			for _, w := range tc.wants {
				if !strings.Contains(got, w) {
					t.Errorf("message lacks %q: %s", w, got)
				}
			}
		})
	}
}

func TestAgo(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "less than a second"},
		{999 * time.Millisecond, "less than a second"},
		{time.Second, "1 s"},
		{119 * time.Second, "119 s"},
		{2 * time.Minute, "2 min"},
		{119 * time.Minute, "119 min"},
		{2 * time.Hour, "2 h"},
		{50 * time.Hour, "50 h"},
	}
	for _, tc := range tests {
		if got := ago(tc.d); got != tc.want {
			t.Errorf("ago(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
