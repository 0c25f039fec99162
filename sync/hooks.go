package sync

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Hooks: rendered objects that Helm (helm.sh/hook) or Argo CD (argocd.argoproj.io/hook) run
// at a phase of a release or sync rather than keep as desired state. Whatever rendered them
// (a chart, a plain folder, kustomize), DiffWith keeps them apart from the desired objects
// (Plan.Hooks): they are not diffed or applied; Apply creates each one in its stage (created,
// never applied: generateName is allowed), waits for it to complete and honours its delete
// policy (hooks_apply.go). The hooks Rigel does not run (helm test, delete and rollback hooks,
// Argo CD's Skip and PostDelete) are listed as such, never dropped silently.

// The annotations of hooks.
const (
	AnnotationHelmHook         = "helm.sh/hook"
	AnnotationHelmHookWeight   = "helm.sh/hook-weight"
	AnnotationHelmDeletePolicy = "helm.sh/hook-delete-policy"
	AnnotationArgoHook         = "argocd.argoproj.io/hook"
	AnnotationArgoDeletePolicy = "argocd.argoproj.io/hook-delete-policy"
	AnnotationArgoSyncWave     = "argocd.argoproj.io/sync-wave"
)

// HookStage is when Rigel runs a hook during an apply.
type HookStage string

const (
	// HookPre: after the Namespaces and CRDs, before any other object (pre-install or
	// pre-upgrade, PreSync).
	HookPre HookStage = "pre"
	// HookSync: right after the objects are applied (Argo CD's Sync).
	HookSync HookStage = "sync"
	// HookPost: after every object became healthy (post-install or post-upgrade, PostSync).
	HookPost HookStage = "post"
	// HookFail: when the apply failed or is unhealthy (Argo CD's SyncFail).
	HookFail HookStage = "fail"
	// HookNotRun: Rigel does not run it (HookChange.NotRun says why).
	HookNotRun HookStage = "not run"
)

// hookStages is the order the stages run in (and are listed in).
var hookStages = []HookStage{HookPre, HookSync, HookPost, HookFail, HookNotRun}

// Delete policies, in Helm's spelling (Argo CD's are mapped onto them).
const (
	DeleteBeforeCreation = "before-hook-creation"
	DeleteSucceeded      = "hook-succeeded"
	DeleteFailed         = "hook-failed"
)

// Hook is what an object's hook annotations say.
type Hook struct {
	Tool           string   // "Helm" or "Argo CD": whose annotations
	Phases         []string // as written: "pre-install", "pre-upgrade"; "PreSync"
	Weight         int      // helm.sh/hook-weight, or argocd.argoproj.io/sync-wave
	DeletePolicies []string // DeleteBeforeCreation, DeleteSucceeded, DeleteFailed; defaults to before-hook-creation
	Source         string   // the file it came from, when known
	// Unknown lists the values of the annotations that Rigel does not know (an unknown phase
	// or delete policy) or does not honour on a hook (an Argo CD sync option that does nothing
	// to a hook: syncoptions_hooks.go), said in the preview.
	Unknown []string
	// Options says what the hook's Argo CD sync options do to it (syncoptions_hooks.go).
	Options []string
}

// Deletes reports whether policy is one of the hook's delete policies.
func (h *Hook) Deletes(policy string) bool {
	for _, p := range h.DeletePolicies {
		if p == policy {
			return true
		}
	}
	return false
}

// HookRun is one container a hook runs: what the preview shows of it.
type HookRun struct {
	Container string
	Image     string
	Command   []string // command then args, as written
}

// HookChange is the preview of one hook: the Change of its object (Ref, Source, Violations,
// ManagedBy, the desired object as Apply creates it) and when it runs.
type HookChange struct {
	Change
	Hook  Hook
	Stage HookStage
	// NotRun says why Rigel does not run the hook (Stage HookNotRun).
	NotRun string
	// GenerateName is the object's metadata.generateName when it has no name: the apiserver
	// names it on creation.
	GenerateName string
	Runs         []HookRun

	body    []byte // the object as created, as JSON (hashed by the digest)
	liveRV  string // the live object of a named hook ("" when absent)
	liveDep string // the deployment its provenance names
}

// Name is the hook's name, or its generateName followed by "*".
func (h *HookChange) Name() string {
	if h.Ref.Name != "" {
		return h.Ref.Name
	}
	return h.GenerateName + "*"
}

// Title is "Job/ns/name" with Name.
func (h *HookChange) Title() string { return h.NamedRef().String() }

// AsChange is the hook's Change named by Name (for the lists of changes that refuse a plan).
func (h *HookChange) AsChange() Change {
	c := h.Change
	c.Ref = h.NamedRef()
	return c
}

// NamedRef is the hook's Ref, named by Name.
func (h *HookChange) NamedRef() Ref {
	r := h.Ref
	r.Name = h.Name()
	return r
}

// HooksIn lists the hooks of a plan that run at stage s, in the order they run.
func (p *Plan) HooksIn(s HookStage) []HookChange {
	var out []HookChange
	for _, h := range p.Hooks {
		if h.Stage == s {
			out = append(out, h)
		}
	}
	return out
}

// HookStages lists the stages of a plan's hooks in the order they run.
func (p *Plan) HookStages() []HookStage {
	var out []HookStage
	for _, s := range hookStages {
		if len(p.HooksIn(s)) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// Hook outcomes (HookResult.Outcome).
const (
	HookSucceeded = "Succeeded"
	HookFailed    = "Failed"
	HookTimedOut  = "TimedOut"
	HookSkipped   = "Skipped" // its stage did not come (a pre hook failed, the apply failed…)
	HookBlocked   = "Blocked" // the policy refuses it, or the preview did
)

// HookResult is the outcome of one hook of an apply.
type HookResult struct {
	Ref     Ref // Name is the name the apiserver gave it
	Stage   HookStage
	Outcome string // HookSucceeded, HookFailed, HookTimedOut, HookSkipped, HookBlocked; "not run" for HookNotRun
	Message string
	// Logs is a bounded tail of the logs of the hook's pod (a Pod, or the newest pod of a Job),
	// or why there are none; never of a Secret.
	Logs string
	// Deleted lists the deletions its policy asked, as done: "before-hook-creation", "hook-succeeded"…
	Deleted []string
}

// hookOf returns the hook an object's annotations make it, or nil when it is no hook. Argo CD's
// annotation wins over Helm's, as in Argo CD.
func hookOf(u *unstructured.Unstructured, source string) *Hook {
	ann := u.GetAnnotations()
	if v, ok := ann[AnnotationArgoHook]; ok {
		h := &Hook{Tool: "Argo CD", Phases: splitList(v), Source: source}
		h.Weight, h.Unknown = weightOf(ann, AnnotationArgoSyncWave, h.Unknown)
		for _, p := range splitList(ann[AnnotationArgoDeletePolicy]) {
			switch p {
			case "BeforeHookCreation":
				h.DeletePolicies = append(h.DeletePolicies, DeleteBeforeCreation)
			case "HookSucceeded":
				h.DeletePolicies = append(h.DeletePolicies, DeleteSucceeded)
			case "HookFailed":
				h.DeletePolicies = append(h.DeletePolicies, DeleteFailed)
			default:
				h.Unknown = append(h.Unknown, AnnotationArgoDeletePolicy+"="+p)
			}
		}
		return withDefaultPolicy(h)
	}
	if v, ok := ann[AnnotationHelmHook]; ok {
		h := &Hook{Tool: "Helm", Phases: splitList(v), Source: source}
		h.Weight, h.Unknown = weightOf(ann, AnnotationHelmHookWeight, h.Unknown)
		for _, p := range splitList(ann[AnnotationHelmDeletePolicy]) {
			switch p {
			case DeleteBeforeCreation, DeleteSucceeded, DeleteFailed:
				h.DeletePolicies = append(h.DeletePolicies, p)
			default:
				h.Unknown = append(h.Unknown, AnnotationHelmDeletePolicy+"="+p)
			}
		}
		return withDefaultPolicy(h)
	}
	return nil
}

// isHookObject reports whether a decoded object carries a hook annotation (parse.go lets such
// an object have a generateName instead of a name).
func isHookObject(m map[string]interface{}) bool {
	md, _ := m["metadata"].(map[string]interface{})
	ann, _ := md["annotations"].(map[string]interface{})
	_, helm := ann[AnnotationHelmHook]
	_, argo := ann[AnnotationArgoHook]
	return helm || argo
}

// withDefaultPolicy gives a hook without a delete policy before-hook-creation, the default of
// both Helm 3 and Argo CD.
func withDefaultPolicy(h *Hook) *Hook {
	if len(h.DeletePolicies) == 0 {
		h.DeletePolicies = []string{DeleteBeforeCreation}
	}
	return h
}

func weightOf(ann map[string]string, key string, unknown []string) (int, []string) {
	v := strings.TrimSpace(ann[key])
	if v == "" {
		return 0, unknown
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, append(unknown, key+"="+v+" (not an integer: weight 0)")
	}
	return n, unknown
}

// notRunByRigel are the hook phases Rigel never runs, and why.
var notRunByRigel = map[string]string{
	"test":          "a helm test hook: run by `helm test`, not by an apply",
	"test-success":  "a helm test hook: run by `helm test`, not by an apply",
	"test-failure":  "a helm test hook: run by `helm test`, not by an apply",
	"pre-delete":    "a delete hook: Rigel does not uninstall releases",
	"post-delete":   "a delete hook: Rigel does not uninstall releases",
	"pre-rollback":  "a rollback hook: Rigel's rollback applies an earlier commit as an upgrade",
	"post-rollback": "a rollback hook: Rigel's rollback applies an earlier commit as an upgrade",
	"crd-install":   "crd-install is a Helm 2 hook: put the CRD in the chart's crds/ folder",
	"Skip":          "Argo CD's Skip: the object is neither applied nor run",
	"PostDelete":    "a delete hook: Rigel does not delete applications",
}

// stageOf says when Rigel runs a hook: install tells an install (no object of the plan exists
// yet) from an upgrade. A hook of several phases runs at the first stage one of them names.
func stageOf(h *Hook, install bool) (HookStage, string) {
	found := map[HookStage]bool{}
	var why []string
	for _, p := range h.Phases {
		switch p {
		case "pre-install", "pre-upgrade":
			if (p == "pre-install") == install {
				found[HookPre] = true
			} else {
				why = append(why, p+": this apply is "+installWord(install))
			}
		case "post-install", "post-upgrade":
			if (p == "post-install") == install {
				found[HookPost] = true
			} else {
				why = append(why, p+": this apply is "+installWord(install))
			}
		case "PreSync":
			found[HookPre] = true
		case "Sync":
			found[HookSync] = true
		case "PostSync":
			found[HookPost] = true
		case "SyncFail":
			found[HookFail] = true
		default:
			if r, ok := notRunByRigel[p]; ok {
				why = append(why, p+": "+r)
			} else {
				why = append(why, fmt.Sprintf("%s: not a %s hook phase Rigel knows", p, h.Tool))
			}
		}
	}
	for _, s := range hookStages {
		if found[s] {
			return s, ""
		}
	}
	if len(why) == 0 {
		why = append(why, "the hook names no phase")
	}
	return HookNotRun, strings.Join(why, "; ")
}

func installWord(install bool) string {
	if install {
		return "an install (no object of the plan exists yet)"
	}
	return "an upgrade (objects of the plan exist)"
}

// runsOf lists the containers a hook runs: a Pod's, or a pod template's (Job, CronJob, …).
func runsOf(u *unstructured.Unstructured) []HookRun {
	var spec map[string]interface{}
	for _, path := range [][]string{{"spec"}, {"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}} {
		if s, ok, _ := unstructured.NestedMap(u.Object, path...); ok {
			if _, has := s["containers"]; has {
				spec = s
				break
			}
		}
	}
	if spec == nil {
		return nil
	}
	var out []HookRun
	for _, key := range []string{"initContainers", "containers"} {
		list, _ := spec[key].([]interface{})
		for _, c := range list {
			m, _ := c.(map[string]interface{})
			r := HookRun{}
			r.Container, _ = m["name"].(string)
			r.Image, _ = m["image"].(string)
			for _, f := range []string{"command", "args"} {
				l, _ := m[f].([]interface{})
				for _, a := range l {
					r.Command = append(r.Command, fmt.Sprint(a))
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// splitHooks separates the hooks among objs from the desired objects, keeping the order.
func splitHooks(objs []Object) (desired []Object, hooks []Object) {
	for _, o := range objs {
		if o.Obj != nil && hookOf(o.Obj, o.Source) != nil {
			hooks = append(hooks, o)
		} else {
			desired = append(desired, o)
		}
	}
	if len(hooks) == 0 {
		return objs, nil
	}
	return desired, hooks
}

// sortHooks orders hooks by stage, then weight (lowest first), then kind and name, as Helm
// does.
func sortHooks(hs []HookChange) {
	rank := map[HookStage]int{}
	for i, s := range hookStages {
		rank[s] = i
	}
	sort.SliceStable(hs, func(i, j int) bool {
		a, b := hs[i], hs[j]
		if a.Stage != b.Stage {
			return rank[a.Stage] < rank[b.Stage]
		}
		if a.Hook.Weight != b.Hook.Weight {
			return a.Hook.Weight < b.Hook.Weight
		}
		if a.Ref.Kind != b.Ref.Kind {
			return a.Ref.Kind < b.Ref.Kind
		}
		return a.Name() < b.Name()
	})
}
