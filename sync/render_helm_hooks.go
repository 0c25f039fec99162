package sync

import (
	"helm.sh/helm/v3/pkg/release"
)

// Hook says that a rendered object is a chart hook (the helm.sh/hook annotation, kept on the
// object): it is not part of the release's objects but run in its phases.
type Hook struct {
	Phases         []string // helm.sh/hook, in order: "pre-install", "pre-upgrade", "post-install", "test"…
	Weight         int      // helm.sh/hook-weight (0 when absent or not a number)
	DeletePolicies []string // helm.sh/hook-delete-policy: "before-hook-creation", "hook-succeeded", "hook-failed"
	Source         string   // what declared it: "helm"
}

// HookSourceHelm is Hook.Source of a chart's hook.
const HookSourceHelm = "helm"

func hookOf(h *release.Hook) *Hook {
	out := &Hook{Weight: h.Weight, Source: HookSourceHelm}
	for _, e := range h.Events {
		out.Phases = append(out.Phases, string(e))
	}
	for _, p := range h.DeletePolicies {
		out.DeletePolicies = append(out.DeletePolicies, string(p))
	}
	return out
}
