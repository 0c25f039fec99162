package words

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
)

// The words of pull requests' holds on deployments (ops/pull_holds.go): the refusal to sync or
// apply a deployment another pull request holds, what `/rigel unlock` gave back, and the note
// on a closed pull request whose holds were released.

// sayPullHeld tells who holds a deployment and how to go on: "`web` is held by pull request
// acme/shop#12 (its `/rigel sync` by alice, 3 min ago)…". The hold's fields are read from a
// Lease, not Rigel's to trust: what does not look as Rigel writes it is quoted.
func sayPullHeld(e *ops.PullHeld, _ Hints) string {
	pr := pullRef(e.Hold)
	by := ""
	if e.Hold.Author != "" {
		by = " by " + loginRef(e.Hold.Author)
	}
	when := ""
	if !e.Hold.Since.IsZero() {
		when = fmt.Sprintf(", %s ago", ago(e.Age))
	}
	did := "synced"
	if e.Verb == "apply" {
		did = "applied"
	}
	return fmt.Sprintf("%s is held by pull request %s (its `/rigel sync`%s%s): until that pull request is merged or closed, %s is synced and applied only from there. Nothing was %s. "+
		"To go on, merge or close %s, or type `/rigel unlock %s` in it; an operator can break the hold with `DELETE /api/git/locks/%s`.",
		Code(e.Deployment), pr, by, when, Code(e.Deployment), did, pr, e.Deployment, e.Deployment)
}

// sayUnlockOutsidePull: holds are given back where they were taken.
func sayUnlockOutsidePull(e *ops.UnlockOutsidePull, h Hints) string {
	return fmt.Sprintf("`/rigel unlock` gives back the deployments a pull request holds, and is typed in that pull request; this is not one. Nothing was done. %s shows which pull request holds each deployment; an operator can break a hold with `DELETE /api/git/locks/NAME`.",
		h.Deployments)
}

// Unlocked is the reply of `/rigel unlock` in pull request number: what it gave back, what
// nothing held, and what another pull request holds (left as it is).
func Unlocked(u *ops.Unlocked) string {
	var b strings.Builder
	switch n := len(u.Released); {
	case n == 0 && len(u.Others) == 0:
		b.WriteString("This pull request held nothing to give back.")
	case n == 0:
		b.WriteString("Nothing was given back.")
	default:
		fmt.Fprintf(&b, "Gave back %s: another pull request (or an issue) can sync %s now.", names(u.Released), PluralOf(n, "it", "them"))
	}
	if len(u.NotHeld) > 0 {
		quoted := make([]string, len(u.NotHeld))
		for i, n := range u.NotHeld {
			quoted[i] = Code(n)
		}
		fmt.Fprintf(&b, "\n\n%s %s not held by any pull request.", strings.Join(quoted, ", "), PluralOf(len(u.NotHeld), "was", "were"))
	}
	for _, h := range u.Others {
		fmt.Fprintf(&b, "\n\n%s is held by %s, not this pull request: it is given back there (`/rigel unlock %s`), or when it is merged or closed.", Code(h.Deployment), pullRef(h), h.Deployment)
	}
	return b.String()
}

// PullReleased is the note on a closed pull request whose holds were released; merged says
// how it closed.
func PullReleased(released []ops.PullHold, merged bool) string {
	how := "closed"
	if merged {
		how = "merged"
	}
	return fmt.Sprintf("This pull request was %s, so Rigel gave back %s: other pull requests and issues can sync %s now.",
		how, names(released), PluralOf(len(released), "it", "them"))
}

// HoldNote says who holds a deployment, for a listing: "held by acme/shop#12 (alice)".
func HoldNote(h ops.PullHold) string {
	note := "held by " + pullRef(h)
	if h.Author != "" {
		note += " (" + loginRef(h.Author) + ")"
	}
	return note
}

// names are the deployments of holds, quoted: "`web`, `api`".
func names(holds []ops.PullHold) string {
	out := make([]string, len(holds))
	for i, h := range holds {
		out[i] = Code(h.Deployment)
	}
	return strings.Join(out, ", ")
}

// pullRef is a hold's pull request as GitHub links it ("owner/name#12"), quoted when it does not
// look as Rigel writes it.
func pullRef(h ops.PullHold) string {
	ref := h.Pull()
	if h.Number <= 0 || h.Repo == "" {
		return "(one its Lease does not name)"
	}
	if !conversationRef.MatchString(ref) {
		return Code(ref)
	}
	return ref
}

// login is what a GitHub login looks like (an app's ends in [bot]).
var login = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$`)

// loginRef is a login read from a Lease, quoted (it mentions no one) when it is not one.
func loginRef(s string) string {
	if !login.MatchString(s) {
		return Code(s)
	}
	return s
}
