package api

import (
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// objectJSON names a cluster object.
type objectJSON struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func objectOf(r sync.Ref) objectJSON {
	v := r.Version
	if r.Group != "" {
		v = r.Group + "/" + r.Version
	}
	return objectJSON{APIVersion: v, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

type secretKeysJSON struct {
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"`
}

// changeJSON is the preview of one object. Secret values never appear: the diff shows ***
// and secretKeys names the keys that change.
type changeJSON struct {
	objectJSON
	Action     string          `json:"action"` // create, update, unchanged, error, blocked
	Source     string          `json:"source,omitempty"`
	Diff       string          `json:"diff,omitempty"` // unified diff, live → after apply
	SecretKeys *secretKeysJSON `json:"secretKeys,omitempty"`
	Note       string          `json:"note,omitempty"`
	Error      string          `json:"error,omitempty"` // why the cluster refuses it
	// ManagedBy names the other reconciler (Argo CD, Flux) that manages the live object:
	// applying takes it over only with "force": true.
	ManagedBy string `json:"managedBy,omitempty"`
	// Violations are the rules of the deployment's policy the object breaks: applying is refused.
	// Action "blocked": the object was not sent to the cluster at all; diff is the manifest.
	Violations []string `json:"violations,omitempty"`
	// Unmanaged is set when the object exists and the deployment does not manage it: diff is
	// then the manifest alone, and no live value of it appears anywhere in the answer.
	Unmanaged *unmanagedJSON `json:"unmanaged,omitempty"`
	// HandOver is set when client-side kubectl apply manages fields of the live object:
	// applying first moves them to Rigel, removing those git no longer sets (listed by path,
	// or only counted when the deployment does not manage the object).
	HandOver *handOverJSON `json:"handOver,omitempty"`
	// Wave is the object's Argo CD sync wave (issue 17, plan_waves.go): the apply applies the
	// lowest first, each awaited healthy before the next. Absent for Namespaces and CRDs,
	// applied before every wave.
	Wave *int `json:"wave,omitempty"`
	// SyncOptions are what the object's Argo CD sync and compare options change, and those
	// Rigel does not honour; absent when it has none.
	SyncOptions *syncOptionsJSON `json:"syncOptions,omitempty"`
}

// handOverJSON is sync.HandOver.
type handOverJSON struct {
	Managers []string `json:"managers"`
	Removed  []string `json:"removed"`
	More     int      `json:"more,omitempty"`
	Unnamed  int      `json:"unnamed,omitempty"`
}

// unmanagedJSON says who manages an existing object the deployment does not, and which
// fields applying takes over (paths, no values).
type unmanagedJSON struct {
	Deployment string   `json:"deployment,omitempty"` // the Rigel deployment its provenance names
	Path       string   `json:"path,omitempty"`
	OwnerRepo  string   `json:"ownerRepo,omitempty"` // set when that deployment is still registered: applying is refused
	Managers   []string `json:"managers,omitempty"`  // field managers
	TakeOver   []string `json:"takeOver,omitempty"`  // field paths applying takes over
	More       int      `json:"more,omitempty"`      // paths left out of takeOver
}

type countsJSON struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
	Blocked   int `json:"blocked"` // refused by the policy, not sent to the cluster
}

// planJSON is a preview, and the body that applies exactly it.
type planJSON struct {
	Repo       string       `json:"repo"`
	Branch     string       `json:"branch"`
	Deployment string       `json:"deployment"`
	Path       string       `json:"path"`
	Commit     string       `json:"commit"`
	Digest     string       `json:"digest"`
	Counts     countsJSON   `json:"counts"`
	Changes    []changeJSON `json:"changes"`
	Orphans    []orphanJSON `json:"orphans,omitempty"` // plan_inventory.go
	Hooks      []hookJSON   `json:"hooks,omitempty"`   // plan_hooks.go
	Waves      []int        `json:"waves,omitempty"`   // the sync waves of its objects, in the order applied (plan_waves.go)
	Apply      *syncRequest `json:"apply,omitempty"`   // POST it to /api/git/sync to apply this preview; absent when it cannot be
	Note       string       `json:"note,omitempty"`
	Lookups    *lookupsJSON `json:"lookups,omitempty"` // a chart whose templates call lookup (issue 13)
}

// lookupsJSON names the templates of a chart that call Helm's lookup, and what that means in
// Rigel's render (sync.LookupNote).
type lookupsJSON struct {
	Templates []string `json:"templates"`
	Note      string   `json:"note"`
}

// planOutOf is planOut of a preview, with what the preview says beyond its plan.
func planOutOf(entry config.Repo, pv *ops.Preview) planJSON {
	out := planOut(entry, pv.Plan)
	if len(pv.Lookups) > 0 {
		out.Lookups = &lookupsJSON{Templates: pv.Lookups, Note: sync.LookupNote}
	}
	return out
}

func planOut(entry config.Repo, p *sync.Plan) planJSON {
	out := planJSON{Repo: entry.Repo, Branch: entry.Branch, Deployment: p.Deployment, Path: p.Path, Commit: p.Commit, Digest: p.Digest, Changes: []changeJSON{}}
	switch {
	case len(p.Violating()) > 0:
		out.Note = "This plan breaks the deployment's policy (see the violations of its changes): it cannot be applied. Change the folder, or ask a cluster admin to change the policy."
	case len(ops.TakenFrom(p)) > 0:
		out.Note = "Objects of this plan belong to another registered deployment (see unmanaged.ownerRepo): it cannot be applied. Remove their helmsman.dev/source-repo and helmsman.dev/source-path annotations (a cluster admin, or /rigel unlink for workloads, in that deployment's repository), or take them out of the folder."
	case len(p.Reconciled()) > 0:
		out.Apply = &syncRequest{Repo: entry.Repo, Deployment: p.Deployment, Apply: true, Commit: p.Commit, Digest: p.Digest}
		out.Note = "Another reconciler (Argo CD, Flux) manages objects of this plan (see managedBy): applying refuses unless \"force\": true, which takes them over."
	default:
		out.Apply = &syncRequest{Repo: entry.Repo, Deployment: p.Deployment, Apply: true, Commit: p.Commit, Digest: p.Digest}
	}
	out.Counts.Create, out.Counts.Update, out.Counts.Unchanged, out.Counts.Failed = p.Counts()
	out.Orphans = orphansOut(p)
	out.Hooks = hooksOut(p) // plan_hooks.go
	out.Waves = p.Waves()   // plan_waves.go
	waves := waveIndex(p)
	for _, ch := range p.Changes {
		cj := changeJSON{objectJSON: objectOf(ch.Ref), Action: string(ch.Action), Source: ch.Source, Diff: ch.Diff, Note: ch.Note, Error: ch.Err,
			Wave: waveOf(waves, ch.Ref), SyncOptions: syncOptionsOut(ch.Argo)}
		if ch.ManagedBy != nil {
			cj.ManagedBy = ch.ManagedBy.String()
		}
		for _, v := range ch.Violations {
			cj.Violations = append(cj.Violations, v.Msg)
		}
		if u := ch.Unmanaged; u != nil {
			cj.Unmanaged = &unmanagedJSON{Deployment: u.Deployment, Path: u.Path, OwnerRepo: u.OwnerRepo, Managers: u.Managers, TakeOver: u.TakeOver, More: u.More}
		}
		if h := ch.HandOver; h != nil {
			cj.HandOver = &handOverJSON{Managers: h.Managers, Removed: h.Removed, More: h.More, Unnamed: h.Unnamed}
		}
		if ch.Action == sync.ActionBlocked {
			out.Counts.Blocked++
		}
		if ch.Secret != nil {
			cj.SecretKeys = &secretKeysJSON{Added: ch.Secret.Added, Removed: ch.Secret.Removed, Changed: ch.Secret.Changed}
		}
		out.Changes = append(out.Changes, cj)
	}
	return out
}

// outcomeJSON is what applying did to one object.
type outcomeJSON struct {
	objectJSON
	Action  string `json:"action"`           // create, update, unchanged, error
	Health  string `json:"health,omitempty"` // kstatus after the wait: Current, InProgress, Failed, …
	Message string `json:"message,omitempty"`
	Wave    *int   `json:"wave,omitempty"` // its sync wave, as in the preview (plan_waves.go)
}

type appliedJSON struct {
	Repo       string            `json:"repo"`
	Deployment string            `json:"deployment"`
	Path       string            `json:"path"`
	Commit     string            `json:"commit"`
	Digest     string            `json:"digest"`
	Status     string            `json:"status"` // Succeeded, Failed or Unhealthy
	Objects    []outcomeJSON     `json:"objects"`
	Pruned     []outcomeJSON     `json:"pruned,omitempty"`  // plan_inventory.go
	Hooks      []hookOutcomeJSON `json:"hooks,omitempty"`   // plan_hooks.go
	Stopped    *stoppedJSON      `json:"stopped,omitempty"` // where an apply in sync waves stopped (plan_waves.go)
	LastSync   config.LastSync   `json:"lastSync"`          // as recorded in the registry
	Warning    string            `json:"warning,omitempty"` // the apply happened but was not recorded
}

func appliedOut(entry config.Repo, a *ops.Applied) appliedJSON {
	out := appliedJSON{Repo: entry.Repo, Deployment: a.Plan.Deployment, Path: a.Plan.Path, Commit: a.Plan.Commit, Digest: a.Plan.Digest,
		Status: a.Result.Status, Objects: []outcomeJSON{}, LastSync: a.LastSync}
	waves := waveIndex(a.Plan)
	for _, o := range a.Result.Objects {
		out.Objects = append(out.Objects, outcomeJSON{objectJSON: objectOf(o.Ref), Action: string(o.Action), Health: o.Health, Message: o.Message, Wave: waveOf(waves, o.Ref)})
	}
	out.Stopped = stoppedOut(a.Plan, a.Result) // plan_waves.go
	out.Pruned = prunedOut(a.Result)
	out.Hooks = hookOutcomesOut(a.Result) // plan_hooks.go
	if a.RecordErr != nil {
		out.Warning = a.RecordErr.Error()
	}
	return out
}
