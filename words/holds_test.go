package words

import (
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/ops"
)

// TestSayPullHeld: the refusal names the holding PR (a link GitHub makes), who took it and
// when, and what to do; what a Lease says that does not look as Rigel writes it is quoted.
func TestSayPullHeld(t *testing.T) {
	since := time.Now().Add(-3 * time.Minute)
	tests := []struct {
		name      string
		hold      ops.PullHold
		verb      string
		want      []string
		forbidden []string
	}{
		{"as Rigel writes it", ops.PullHold{Deployment: "web", Repo: "acme/shop", Number: 12, Author: "alice", Since: since}, "sync",
			[]string{"`web` is held by pull request acme/shop#12 (its `/rigel sync` by alice, 3 min ago)", "Nothing was synced.", "merge or close acme/shop#12", "`/rigel unlock web`", "`DELETE /api/git/locks/web`"}, nil},
		{"an apply", ops.PullHold{Deployment: "web", Repo: "acme/shop", Number: 12, Author: "alice", Since: since}, "apply",
			[]string{"Nothing was applied."}, nil},
		{"a hostile Lease is quoted", ops.PullHold{Deployment: "web", Repo: "x/y#1 [click](http://evil)", Number: 3, Author: "@everyone <b>", Since: since}, "sync",
			[]string{"pull request `x/y#", "`@everyone <b>`"}, []string{"](http://evil) ", " @everyone"}},
		{"a Lease that names no PR", ops.PullHold{Deployment: "web"}, "sync",
			[]string{"pull request (one its Lease does not name)"}, []string{" ago"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &ops.PullHeld{Deployment: tc.hold.Deployment, Verb: tc.verb, Hold: tc.hold, Age: time.Since(tc.hold.Since)}
			got, ok := Refusal(e, Comment)
			if !ok {
				t.Fatal("a *PullHeld is not worded as a refusal")
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("reply lacks %q:\n%s", w, got)
				}
			}
			for _, f := range tc.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("reply holds %q:\n%s", f, got)
				}
			}
		})
	}
}

func TestUnlockedWords(t *testing.T) {
	h := func(dep string, n int) ops.PullHold {
		return ops.PullHold{Deployment: dep, Repo: "acme/shop", Number: n, Author: "alice"}
	}
	tests := []struct {
		u    ops.Unlocked
		want string
	}{
		{ops.Unlocked{}, "This pull request held nothing to give back."},
		{ops.Unlocked{Released: []ops.PullHold{h("web", 1), h("api", 1)}}, "Gave back `web`, `api`: another pull request (or an issue) can sync them now."},
		{ops.Unlocked{NotHeld: []string{"web"}, Others: []ops.PullHold{h("api", 2)}},
			"Nothing was given back.\n\n`web` was not held by any pull request.\n\n`api` is held by acme/shop#2, not this pull request: it is given back there (`/rigel unlock api`), or when it is merged or closed."},
	}
	for _, tc := range tests {
		if got := Unlocked(&tc.u); got != tc.want {
			t.Errorf("Unlocked(%+v) =\n%s\nwant\n%s", tc.u, got, tc.want)
		}
	}
}
