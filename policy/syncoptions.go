package policy

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// RuleSyncOptions names the violations of a policy's refusedSyncOptions (issue 17): Argo CD
// sync options an object or hook of the deployment may not carry, e.g. Force=true (the apply
// deletes the object and creates it again) or Replace=true (it overwrites what other tools
// set). The options are read from the object as written (argocd.argoproj.io/sync-options),
// so a hook is judged like any object.
const RuleSyncOptions = "refusedSyncOptions"

// syncOptionRefusals returns the violations of pol's refusedSyncOptions by c's object.
func syncOptionRefusals(pol config.Policy, c sync.Change) []sync.Violation {
	if len(pol.RefusedSyncOptions) == 0 {
		return nil
	}
	var out []sync.Violation
	for _, o := range sync.SyncOptionsOf(c.Desired()) {
		for _, r := range pol.RefusedSyncOptions {
			if optionKey(o) != optionKey(r) {
				continue
			}
			out = append(out, sync.Violation{Rule: RuleSyncOptions, Msg: fmt.Sprintf(
				"sync option %s (%s) is refused by the policy (refusedSyncOptions: %s): remove it from the object's annotation; only the cluster admin's default policy (RIGEL_DEFAULT_REFUSED_SYNC_OPTIONS) or the deployment's own policy can allow it",
				o, sync.AnnotationArgoSyncOptions, r)})
			break
		}
	}
	return out
}

// optionKey is an option as compared: without spaces, case folded, "=true" when it names no value.
func optionKey(o string) string {
	o = strings.ToLower(strings.Join(strings.Fields(o), ""))
	if !strings.Contains(o, "=") {
		o += "=true"
	}
	return o
}
