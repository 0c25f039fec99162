package words

import (
	"fmt"
	"regexp"
	"time"

	"github.com/rigel-gitops/rigel/ops"
)

// held tells who holds a deployment's lock: "`/rigel apply web` from acme/shop#12 started
// 40 s ago on replica rigel-7d9…". Nothing was done; the same command works once that apply
// finished, in any way in.
func held(e *ops.Held, _ Hints) string {
	who := "another apply"
	if e.Command != "" {
		who = Code(e.Command)
	}
	if e.Repo != "" && e.Number != "" {
		ref := e.Repo + "#" + e.Number
		if !conversationRef.MatchString(ref) {
			ref = Code(ref) // the Lease's annotations are not Rigel's to trust: quoted, never live
		}
		who += " from " + ref
	}
	return fmt.Sprintf("`%s` is being applied right now: %s started %s ago on replica %s. Nothing was done; run your command again when it finishes.",
		e.Deployment, who, ago(e.Age), Code(e.Replica))
}

// conversationRef is what a Lease's repository and issue number look like when Rigel wrote
// them: "owner/name#12", shown as GitHub's link to the conversation. Anything else is quoted.
var conversationRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}#[1-9][0-9]{0,9}$`)

// ago is a short human duration: "40 s", "3 min", "2 h".
func ago(d time.Duration) string {
	switch {
	case d < time.Second:
		return "less than a second"
	case d < 2*time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
}
