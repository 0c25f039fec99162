package ops

import (
	"slices"
	"time"

	"github.com/rigel-gitops/rigel/config"
)

// Access says who may run what, and when a pull request may be applied.
type Access struct {
	Permissions      map[string]string // command → the repository role it needs, over config.DefaultPermissions
	RequireApproval  bool              // applying in a PR needs a writer's approval of the head and no changes requested
	RequireMergeable bool              // applying in a PR needs a mergeable state that Mergeable does not refuse
	AllowForkApply   bool              // a PR from a fork may be applied
	Mergeable        MergeableGate     // which mergeable states refuse (under RequireMergeable)
	AllowForkPreview bool              // a PR from a fork may be previewed by anyone allowed to run diff or sync
	DefaultPolicy    config.Policy     // bounds every deployment, under each deployment's own policy
	Protected        []string          // namespaces refused unless DefaultPolicy names them (nil: config.DefaultProtectedNamespaces); Rigel's own is added
}

// AccessFrom takes the access rules of the settings.
func AccessFrom(s *config.Settings) Access {
	return Access{Permissions: s.Permissions, RequireApproval: s.RequireApproval, RequireMergeable: s.RequireMergeable, AllowForkApply: s.AllowForkApply, DefaultPolicy: s.DefaultPolicy,
		Protected: s.ProtectedNamespaces, Mergeable: MergeableGateFrom(s), AllowForkPreview: s.AllowForkPreview}
}

// Required is the role a command needs; a command without an entry needs write.
func (a Access) Required(verb string) string {
	if l, ok := a.Permissions[verb]; ok {
		return l
	}
	if verb == "unlock" { // who may hold a deployment (sync) may give it back (pull_holds.go); not set apart
		return a.Required("sync")
	}
	if verb == "rollback" { // a rollback preview arms an apply as a sync does (rollback.go), unless set apart
		return a.Required("sync")
	}
	if l, ok := config.DefaultPermissions[verb]; ok {
		return l
	}
	return "write"
}

// MergeableGate says which of GitHub's mergeable_state values refuse an apply in a pull
// request (when Access.RequireMergeable is on) and how long to wait for GitHub to compute it.
type MergeableGate struct {
	Refuse    []string      // nil: config.DefaultRefuseMergeableStates; empty: none
	RetryWait time.Duration // the first wait before reading the PR again; doubles; 0: config.DefaultMergeableRetryWait
}

// MergeableGateFrom takes the mergeable gate of the settings.
func MergeableGateFrom(s *config.Settings) MergeableGate {
	return MergeableGate{Refuse: s.RefusedMergeableStates(), RetryWait: s.MergeableWait()}
}

// Refuses says whether the gate refuses a mergeable state.
func (g MergeableGate) Refuses(state string) bool {
	if g.Refuse == nil {
		return slices.Contains(config.DefaultRefuseMergeableStates, state)
	}
	return slices.Contains(g.Refuse, state)
}

// Wait is the first wait before reading a PR again whose mergeability is not computed yet.
func (g MergeableGate) Wait() time.Duration {
	if g.RetryWait <= 0 {
		return config.DefaultMergeableRetryWait
	}
	return g.RetryWait
}
