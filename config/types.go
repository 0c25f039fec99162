package config

import (
	"strings"
	"time"
)

// Names of the documented objects.
const (
	SourcesConfigMap = "helmsman-git-sources"
	CredentialSecret = "helmsman-github"
)

// SchemaVersion is the registry schema this build writes.
const SchemaVersion = 2

// Sources is the whole registry: every repo and its deployments.
type Sources struct {
	Version int    `json:"version"`
	Repos   []Repo `json:"repos"`
	// Invalid are the entries read from the ConfigMap that are not valid: left out of Repos,
	// written back as they were (registry_validate.go).
	Invalid []InvalidEntry `json:"-"`
}

// Repo is one registered repository.
type Repo struct {
	Repo           string       `json:"repo"`   // "owner/name"
	Branch         string       `json:"branch"` // the branch deployments sync from
	CloneURL       string       `json:"cloneURL,omitempty"`
	InstallationID int64        `json:"installationID,omitempty"`
	Deployments    []Deployment `json:"deployments"`

	// Autoplan (issue 11), set by admins in the ConfigMap: false stops the repository's pull
	// requests from previewing themselves; absent: they do.
	Autoplan *bool `json:"autoplan,omitempty"`
}

// Deployment is one named manifest folder of a repo.
type Deployment struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	LastSync *LastSync `json:"lastSync,omitempty"`
	// Policy limits what the deployment may apply. Set by cluster admins in the ConfigMap
	// (commenters cannot change it); absent: only the settings' default policy applies.
	Policy *Policy `json:"policy,omitempty"`

	// Autoplan (issue 11), set by admins in the ConfigMap: false keeps pull requests that
	// change the deployment's inputs from previewing it by themselves; absent: they do.
	Autoplan *bool `json:"autoplan,omitempty"`

	// ApplyOn (issue 11, apply on merge), set by cluster admins in the ConfigMap like a
	// policy: ApplyOnMerge ("merge") also applies the deployment when a pull request whose
	// preview was approved is merged into the branch (ops/apply_on_merge.go); "": only by
	// command.
	ApplyOn string `json:"applyOn,omitempty"`

	// Prune (issue 12), set by cluster admins in the ConfigMap like a policy: every apply of
	// the deployment deletes the objects of its inventory its folder no longer renders (as
	// /rigel apply --prune does); false: only an apply asked with prune does.
	Prune bool `json:"prune,omitempty"`

	// DriftIssue (issue 12, drift), set by cluster admins in the ConfigMap: when drift
	// detection finds the deployment drifted, Rigel keeps one tracking issue in its repository
	// (opened once, edited with the current diff, closed when the drift is gone).
	DriftIssue bool `json:"driftIssue,omitempty"`

	// History (issue 12, rollback) holds the syncs before LastSync, newest first, at most
	// HistoryLimit of them (Sources.SetLastSync moves the old LastSync here): the commits a
	// rollback can go back to.
	History []LastSync `json:"history,omitempty"`

	// Report (issue 12, push-triggered sync), set by cluster admins with applyOn: push: where
	// the outcome of a push's apply is posted. "" or ReportCommit: a comment on the pushed
	// commit; "issue#N": a comment on issue N of the deployment's repository (ReportIssue).
	Report string `json:"report,omitempty"`

	// Chart (issue 13, Helm charts): how the Helm chart the folder holds renders (chart.go):
	// release, namespace, values files, set-file. nil: the chart's defaults (or not a chart).
	Chart *Chart `json:"chart,omitempty"`

	// Jsonnet (issue 17, jsonnet folders): the top-level arguments, external variables and lib
	// folders of the folder's *.jsonnet files (jsonnet.go). nil: none.
	Jsonnet *Jsonnet `json:"jsonnet,omitempty"`
}

// The values of Deployment.ApplyOn.
const (
	ApplyOnCommand = ""      // only /rigel apply (or the API) applies
	ApplyOnMerge   = "merge" // also the push of a merge commit of an approved pull request
	// ApplyOnPush (issue 12): also every push to the branch that changes the deployment's
	// inputs (ops/apply_on_push.go), with the guards of a typed apply.
	ApplyOnPush = "push"
)

// ReportCommit is Deployment.Report's default: a push's outcome is a comment on its commit.
const ReportCommit = "commit"

// ReportIssue is the issue number Deployment.Report names ("issue#12" is 12): 0 when it names
// none (the default, a commit comment; or a value that is not valid).
func ReportIssue(report string) int {
	rest, ok := strings.CutPrefix(report, "issue#")
	if !ok || rest == "" || len(rest) > 9 || rest[0] == '0' {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Policy limits what a deployment may apply; see policy.go.
type Policy struct {
	// Namespaces the deployment's namespaced objects (and the Namespaces it creates) may be
	// in; shell-style patterns like "team-*" match. Empty: any namespace.
	Namespaces []string `json:"namespaces,omitempty"`
	// ClusterScoped says whether the deployment may hold cluster-scoped objects (ClusterRoles,
	// CRDs, Namespaces not allowed by Namespaces, ...). Absent: refused, unless the default
	// policy sets true (and then a deployment's own false takes it back).
	ClusterScoped *bool `json:"clusterScoped,omitempty"`
	// RefusedKinds are kinds the deployment may not hold: "ClusterRoleBinding", or with the
	// group, "ClusterRoleBinding.rbac.authorization.k8s.io". Case does not matter.
	RefusedKinds []string `json:"refusedKinds,omitempty"`
	// NamespaceObjects lets the deployment hold Namespace objects (named as Namespaces
	// allows) even when ClusterScoped is false. Only the default policy can grant it; a
	// deployment's own false takes it away. Absent: Namespaces follow ClusterScoped.
	NamespaceObjects *bool `json:"namespaceObjects,omitempty"`

	// The escalation guard (issue 18, policy.RuleEscalation): objects that would let someone
	// act past what Rigel's reviewed applies allow (bindings of Rigel's own ClusterRoles,
	// roles with *, escalate, bind, impersonate or serviceaccounts/token, ServiceAccount
	// token Secrets, admission webhooks and policies) are refused unless AllowEscalation is
	// true. Only the default policy can set it true; a deployment's own false takes it back.
	AllowEscalation *bool `json:"allowEscalation,omitempty"`
	// RigelClusterRoles are the ClusterRoles Rigel's ServiceAccount holds: a binding of one
	// is escalation. The default's and the deployment's add up, over DefaultRigelClusterRoles.
	RigelClusterRoles []string `json:"rigelClusterRoles,omitempty"`

	// RefusedSyncOptions (issue 17, policy.RuleSyncOptions): Argo CD sync options
	// (argocd.argoproj.io/sync-options) the deployment's objects and hooks may not carry, as
	// written: "Force=true", "Replace=true". Case does not matter. The default's and the
	// deployment's add up.
	RefusedSyncOptions []string `json:"refusedSyncOptions,omitempty"`

	// Set only on the policy EffectivePolicy returns, never stored:
	// Within are the default policy's namespaces: an object's namespace must match them too.
	Within []string `json:"-"`
	// Protected are namespaces refused whatever the patterns say (Rigel's own, kube-system,
	// ...), minus those the default policy names literally.
	Protected []string `json:"-"`
}

// LastSync records the last apply of a deployment.
type LastSync struct {
	Commit  string    `json:"commit"`
	Time    time.Time `json:"time"`
	Status  string    `json:"status"` // Succeeded, Failed, Unhealthy
	Message string    `json:"message,omitempty"`
	// Kind says what applied it (issue 12): "" a command or the API, else one of the
	// SyncKind constants.
	Kind string `json:"kind,omitempty"`
}

// The values of LastSync.Kind.
const (
	SyncKindCommand  = ""         // /rigel apply, or POST /api/git/sync
	SyncKindRollback = "rollback" // the apply of a /rigel rollback preview
	SyncKindMerge    = "merge"    // apply on merge (applyOn: merge)
	SyncKindPush     = "push"     // push-triggered sync (applyOn: push)
)

// HistoryLimit is how many syncs before the last one Deployment.History keeps by default;
// each costs about 120 bytes of the registry ConfigMap per deployment.
const HistoryLimit = 5
