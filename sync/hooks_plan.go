package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	gosync "sync"

	"golang.org/x/sync/errgroup"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hookItem is the working state of one hook during DiffWith.
type hookItem struct {
	hc      HookChange
	mapping *meta.RESTMapping
	crd     string // CRD of this plan that defines the kind, when mapping is nil
}

// planHooks previews the hooks among objs (all the rendered objects, to find the CRDs of the
// plan): provenance stamped (no inventory label: a hook is no member of the deployment's set),
// the default namespace set, the policy asked (opts.Refuse), the live object of a named hook
// read (its owner), and a dry-run create of the hooks that run. install says whether the apply
// is an install (no object of the plan exists), which picks Helm's install or upgrade hooks.
func (e *Engine) planHooks(ctx context.Context, objs, hooks []Object, prov Provenance, opts DiffOptions, install bool) ([]HookChange, error) {
	if len(hooks) == 0 {
		return nil, nil
	}
	crds := crdsOf(objs)
	defaultNS := opts.Namespace
	if defaultNS == "" {
		defaultNS = metav1.NamespaceDefault
	}
	items := make([]*hookItem, 0, len(hooks))
	for _, o := range hooks {
		d := o.Obj.DeepCopy()
		ann := d.GetAnnotations()
		ann[AnnotationSourceRepo] = prov.Deployment
		ann[AnnotationSourcePath] = prov.Path
		d.SetAnnotations(ann)
		h := hookOf(d, o.Source)
		it := &hookItem{}
		namespaced := true
		m, err := e.Kube.Mapping(d.GroupVersionKind())
		switch {
		case err == nil:
			it.mapping = m
			namespaced = m.Scope.Name() == meta.RESTScopeNameNamespace
		case meta.IsNoMatchError(err):
			if crd, ok := crds[d.GroupVersionKind().GroupKind()]; ok {
				it.crd, namespaced = crd.name, crd.namespaced
			}
		default:
			return nil, fmt.Errorf("failed to look up kind %s: %w", d.GroupVersionKind(), err)
		}
		if namespaced {
			switch ns := d.GetNamespace(); {
			case ns == "":
				d.SetNamespace(defaultNS)
			case opts.EnforceNamespace && ns != defaultNS:
				return nil, &NamespaceError{Ref: RefOf(d), Source: o.Source, Want: defaultNS}
			}
		} else {
			d.SetNamespace("")
		}
		body, err := json.Marshal(d.Object)
		if err != nil {
			return nil, fmt.Errorf("failed to encode %s: %w", RefOf(d), err)
		}
		argo, said, ignored := hookArgoOptions(ann) // syncoptions_hooks.go
		h.Options, h.Unknown = said, append(h.Unknown, ignored...)
		hc := HookChange{Hook: *h, GenerateName: d.GetGenerateName(), Runs: runsOf(d), body: body}
		hc.Change = Change{Ref: RefOf(d), Source: o.Source, desired: d, Action: ActionCreate,
			ClusterScoped: !namespaced && (it.mapping != nil || it.crd != ""), Argo: argo}
		hc.Stage, hc.NotRun = stageOf(h, install)
		if opts.Refuse != nil && hc.Stage != HookNotRun { // a hook Rigel does not run is never sent
			hc.Violations = opts.Refuse(NewChange(hc.Ref, hc.ClusterScoped, d))
		}
		switch {
		case len(hc.Violations) > 0:
			hc.Action = ActionBlocked
			hc.Note = "the deployment's policy refuses this hook, so it was not sent to the cluster"
		case it.mapping == nil && it.crd != "":
			hc.Note = fmt.Sprintf("kind %s is defined by CustomResourceDefinition %s in this plan: not dry-run", hc.Ref.Kind, it.crd)
			hc.kindLater = true
		case it.mapping == nil && argo != nil && argo.SkipDryRun && hc.Stage != HookNotRun: // syncoptions_hooks.go
			hc.Note = skipDryRunNote(hc.Ref)
			hc.kindLater = true
		case it.mapping == nil && hc.Stage != HookNotRun:
			hc.Action = ActionError
			hc.Err = fmt.Sprintf("no kind %s in group %s on the cluster: is its CRD installed?", hc.Ref.Kind, groupName(hc.Ref.Group))
		}
		it.hc = hc
		items = append(items, it)
	}
	planNS := map[string]bool{}
	for _, o := range objs {
		if o.Obj != nil && o.Obj.GroupVersionKind().GroupKind() == namespaceGK {
			planNS[o.Obj.GetName()] = true
		}
	}
	if err := e.fetchHooks(ctx, items, prov, planNS); err != nil {
		return nil, err
	}
	out := make([]HookChange, len(items))
	for i, it := range items {
		out[i] = it.hc
	}
	sortHooks(out)
	return out, nil
}

// fetchHooks reads the live object of each named hook Rigel runs (who manages it) and
// dry-runs the creation of each hook Rigel runs. Failures are kept in the hooks. planNS holds
// the Namespaces the plan creates (applied before any hook).
func (e *Engine) fetchHooks(ctx context.Context, items []*hookItem, prov Provenance, planNS map[string]bool) error {
	var g errgroup.Group
	g.SetLimit(e.limit())
	rights := &deleteRights{known: map[string]error{}}
	for _, it := range items {
		hc := &it.hc
		if it.mapping == nil || hc.Stage == HookNotRun || hc.Action != ActionCreate {
			continue
		}
		g.Go(func() error {
			res := e.Kube.Resource(it.mapping, hc.Ref.Namespace)
			if hc.Ref.Name != "" {
				live, err := res.Get(ctx, hc.Ref.Name, metav1.GetOptions{})
				switch {
				case apierrors.IsNotFound(err):
				case err != nil:
					hc.Action, hc.Err = ActionError, "failed to read the live object: "+err.Error()
					return nil
				default:
					hc.liveRV = live.GetResourceVersion()
					hc.ManagedBy = ReconcilerOf(live.Object)
					facts := liveFactsOf(live.Object)
					hc.liveDep = facts.deployment
					if facts.deployment != prov.Deployment {
						hc.Unmanaged = &Unmanaged{Deployment: facts.deployment, Path: facts.path, Managers: facts.managers}
						hc.Action, hc.Err = ActionError, "an object of this name exists and is not this deployment's: Rigel neither deletes nor replaces it to run the hook"
						return nil
					}
					switch {
					case hc.replacesHook(): // syncoptions_hooks.go
						hc.Note = "a hook of this name exists and its delete policy keeps it: Replace=true replaces it as a whole (with Force=true: deletes it and creates it again) if it is still as this preview read it"
					case !hc.Hook.Deletes(DeleteBeforeCreation):
						hc.Note = "a hook of this name exists and its delete policy is not before-hook-creation: creating it again fails until it is deleted (or say Replace=true in " + AnnotationArgoSyncOptions + ")"
					}
				}
			}
			_, err := res.Create(ctx, it.hc.desired, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
			if err != nil && planNS[hc.Ref.Namespace] && isNamespaceNotFound(err, hc.Ref.Namespace) {
				hc.Note = fmt.Sprintf("namespace %s is created by this plan: the hook could not be dry-run", hc.Ref.Namespace)
				e.checkHookDelete(ctx, it, rights)
				return nil
			}
			if err == nil || (apierrors.IsAlreadyExists(err) && hc.liveRV != "") {
				e.checkHookDelete(ctx, it, rights)
				return nil
			}
			hc.Action = ActionError
			if groupKind(hc.Ref) == secretGK {
				hc.Err = secretErrMessage(err, hc.desired.Object, hc.Ref)
			} else {
				hc.Err = err.Error()
			}
			return nil
		})
	}
	_ = g.Wait()
	return ctx.Err()
}

// isInstall says whether applying the changes installs (no object exists yet) rather than
// upgrades: Helm's pre-install and post-install hooks run only then. Namespaces and CRDs do
// not count: they often exist before a release (created by an admin, or by another one).
func isInstall(changes []Change) bool {
	for _, c := range changes {
		if stage(c.Ref) < 2 {
			continue
		}
		switch c.Action {
		case ActionUpdate, ActionUnchanged:
			return false
		}
		if c.Unmanaged != nil {
			return false
		}
	}
	return true
}

// hooksDigest hashes the hooks of a plan, in plan order: each one's object as created, its
// stage (and why it does not run), its weight and delete policies, and the live object of a
// named hook (its resourceVersion and owner). Only called when the plan has hooks, so other
// plans keep their digest.
func hooksDigest(h hash.Hash, hooks []HookChange) {
	for _, hc := range hooks {
		field(h, "hook")
		field(h, hc.Ref.String())
		field(h, hc.GenerateName)
		field(h, string(hc.Stage))
		field(h, hc.NotRun)
		field(h, strconv.Itoa(hc.Hook.Weight))
		field(h, strings.Join(hc.Hook.DeletePolicies, ","))
		field(h, string(hc.Action))
		field(h, string(hc.body))
		field(h, hc.liveRV)
		field(h, hc.liveDep)
	}
}

// deleteRights caches, per resource and namespace, whether Rigel may delete there (nil) or why not.
type deleteRights struct {
	mu    gosync.Mutex
	known map[string]error
}

// checkHookDelete refuses a hook whose delete policy needs a deletion Rigel has no right to do
// (the shipped install grants no delete: README, Inventory and prune): hook-succeeded or
// hook-failed, or before-hook-creation when a hook of that name exists. Asked with a
// SelfSubjectAccessReview, once per resource and namespace.
func (e *Engine) checkHookDelete(ctx context.Context, it *hookItem, rights *deleteRights) {
	hc := &it.hc
	needs := ""
	switch {
	case hc.liveRV != "" && hc.Hook.Deletes(DeleteBeforeCreation):
		needs = DeleteBeforeCreation
	case hc.replacesHook() && hc.Argo.Force:
		needs = "Force=true"
	case hc.Hook.Deletes(DeleteSucceeded):
		needs = DeleteSucceeded
	case hc.Hook.Deletes(DeleteFailed):
		needs = DeleteFailed
	default:
		return
	}
	res := it.mapping.Resource
	key := res.String() + "/" + hc.Ref.Namespace
	rights.mu.Lock()
	why, ok := rights.known[key]
	rights.mu.Unlock()
	if !ok {
		why = e.mayDelete(ctx, res.Group, res.Resource, hc.Ref.Namespace)
		rights.mu.Lock()
		rights.known[key] = why
		rights.mu.Unlock()
	}
	if why != nil {
		grant := "delete on that kind (as for prune: the chart's rbac.prune, or deploy/components/pruner)"
		if gk := groupKind(hc.Ref); gk == jobGK || gk == podGK {
			grant = "the ClusterRole rigel-hooks (the chart's rbac.hooks, on by default; deploy/base/rbac-cluster.yaml)"
		}
		hc.Action = ActionError
		hc.Err = fmt.Sprintf("its delete policy (%s) needs Rigel to delete %s in namespace %s, and %v: a cluster admin grants Rigel's ServiceAccount %s, or drop the delete policy",
			needs, res.GroupResource(), hc.Ref.Namespace, why, grant)
	}
}

// mayDelete asks the apiserver whether Rigel may delete resource in ns: nil when it may.
func (e *Engine) mayDelete(ctx context.Context, group, resource, ns string) error {
	r, err := e.Kube.Typed.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: ns, Verb: "delete", Group: group, Resource: resource}},
	}, metav1.CreateOptions{})
	switch {
	case err != nil:
		return fmt.Errorf("Rigel could not ask whether it may (%w)", err)
	case !r.Status.Allowed:
		return errors.New("it may not")
	}
	return nil
}
