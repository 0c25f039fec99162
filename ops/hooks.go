package ops

import (
	"fmt"

	"github.com/rigel-gitops/rigel/sync"
)

var hookWord = map[string]string{sync.HookFailed: "failed", sync.HookTimedOut: "timed out", sync.HookBlocked: "was refused"}

// hooksNote is what ResultMessage says of the hooks of an apply ("" when it ran none):
// how many succeeded, and the first that did not.
func hooksNote(res *sync.Result) string {
	ok, ran := 0, 0
	bad := ""
	for _, h := range res.Hooks {
		switch h.Outcome {
		case sync.HookSucceeded:
			ok++
			ran++
		case sync.HookFailed, sync.HookTimedOut, sync.HookBlocked:
			ran++
			if bad == "" {
				bad = fmt.Sprintf("; hook %s %s", h.Ref, hookWord[h.Outcome])
			}
		}
	}
	if ran == 0 {
		return ""
	}
	return fmt.Sprintf("; %d of %d hooks succeeded", ok, ran) + bad
}
