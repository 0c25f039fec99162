package replica

import (
	"fmt"
	"time"

	"github.com/rigel-gitops/rigel/kube"
)

// Holder says who runs something that holds one of Rigel's Leases: a conversation's command,
// or a caller of the HTTP API.
type Holder struct {
	Repo         string // owner/name of the conversation; "" outside one
	Number       int    // its issue or PR number
	Installation int64  // the GitHub App installation that answers in it
	Command      string // what runs: "/rigel apply web", "apply web (HTTP API)"
	Delivery     string // the webhook delivery it came in, if any
}

// Held refuses to lock a deployment another apply holds: it names that apply. Nothing was done.
// Its fields are read from the lock's Lease: whoever can write Leases in Rigel's namespace
// wrote them, so quote them where they are shown.
type Held struct {
	Deployment string
	Command    string        // what holds it ("" when its Lease does not say)
	Repo       string        // the conversation it runs for ("" when none)
	Number     string        // its issue or PR number ("" when none)
	Replica    string        // the replica that holds it
	Since      time.Time     // when it was taken
	Age        time.Duration // how long it had been held when the lock was refused
}

func (e *Held) Error() string {
	return fmt.Sprintf("deployment %s is being applied by %q on replica %s since %s", e.Deployment, e.Command, e.Replica, e.Since.Format(time.RFC3339))
}

// Refused marks Held as a refusal (ops.Refusal).
func (e *Held) Refused() {}

// heldOf is the refusal to lock deployment, whose Lease l another holds, at now.
func heldOf(deployment string, l kube.LeaseInfo, now time.Time) *Held {
	a := l.Annotations
	return &Held{Deployment: deployment, Command: a[annCommand], Repo: a[annRepo], Number: a[annIssue],
		Replica: l.Holder, Since: l.Acquired, Age: now.Sub(l.Acquired)}
}
