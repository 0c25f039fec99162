package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rigel-gitops/rigel/kube"
)

// DefaultConcurrency bounds the requests an Engine has in flight when Concurrency is 0.
const DefaultConcurrency = 32

// listThreshold is the number of objects of one resource in one namespace from which the live
// objects are read with one LIST rather than one GET each.
const listThreshold = 8

// Engine previews and applies objects on one cluster.
type Engine struct {
	Kube        *kube.Client
	Concurrency int // requests in flight at once; 0 means DefaultConcurrency
	// Limiter, when set, bounds the requests in flight of every Engine that shares it
	// (limiter.go: RIGEL_DIFF_CONCURRENCY across all commands of a replica).
	Limiter *Limiter
	// Inventory is the namespace of the deployments' inventories (ApplySet parents,
	// inventory.go): Rigel's own. "" keeps none (the local CLI): objects are not labelled, and
	// plans list no orphans.
	Inventory string
}

// Provenance says where objects come from; it is stamped on them as annotations.
type Provenance struct {
	Deployment string // deployment name (AnnotationSourceRepo)
	Path       string // folder in the repository (AnnotationSourcePath)
	Commit     string
}

func (e *Engine) limit() int {
	if e.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return e.Concurrency
}

// item is the working state of one object during Diff.
type item struct {
	source  string
	desired *unstructured.Unstructured
	body    []byte // desired as JSON (encoding/json sorts keys: also the digest's canonical form)
	ref     Ref
	mapping *meta.RESTMapping // nil when the cluster does not know the kind
	crd     string            // CRD of this plan that defines the kind, when mapping is nil
	crdHook string            // the phases of that CRD when it is a hook (created before the objects)
	// kindGone: the cached mapping was stale, the cluster no longer serves the kind (its CRD
	// was deleted since): treated as a kind the cluster does not know (syncoptions_crd.go).
	kindGone bool

	dry    map[string]interface{} // dry-run result
	dryErr error

	live    map[string]interface{} // normalized live object; nil when absent
	liveRV  string
	owner   *Reconciler // another reconciler managing the live object
	facts   liveFacts   // provenance and managers of the live object
	liveErr error

	blocked []Violation // the policy refuses it (DiffOptions.Refuse): never sent to the cluster

	wave int          // argocd.argoproj.io/sync-wave (waves.go)
	argo *ArgoOptions // Argo CD's sync and compare options (syncoptions.go)

	handover *handover // client-side kubectl apply manages fields of the live object (handover.go)
}

// clusterScoped reports whether the kind is known (to the cluster or from a CRD of the plan)
// to be cluster-scoped.
func (it *item) clusterScoped() bool {
	return it.ref.Namespace == "" && (it.mapping != nil || it.crd != "")
}

// DiffOptions tune DiffWith. The zero value sends every object to the cluster and shows live
// values only of the objects the deployment manages.
type DiffOptions struct {
	// Refuse returns the rules of the deployment's policy an object breaks (nil: none); it
	// gets the object's change before the diff (NewChange: its Ref, its Desired object, and
	// ClusterScoped when its kind is known to be cluster-scoped, from discovery or from a CRD
	// of the plan). Refused objects are never sent to the cluster: no dry-run, no GET, and
	// no LIST of their resource in their namespace. Their change is ActionBlocked and shows
	// the manifest alone.
	Refuse func(c Change) []Violation
	// LiveOfUnmanaged also shows the live values of existing objects the deployment does not
	// manage. Only for a caller whose user reads the cluster with their own credentials (the
	// local CLI); never for a preview others read.
	LiveOfUnmanaged bool

	// Namespace is the namespace of namespaced objects that name none ("": "default"), as
	// kubectl apply -n. EnforceNamespace also refuses a namespaced object that names another
	// one: DiffWith then fails with a *NamespaceError and nothing is sent to the cluster.
	Namespace        string
	EnforceNamespace bool

	// KeepOrphan, when set, says why an orphan of the inventory must be kept even by an apply
	// that prunes ("": it may be deleted); it is asked once per orphan, and its answer is
	// Orphan.Keep (covered by the digest).
	KeepOrphan func(o Orphan) string

	// Sweep, when set, is shared by the previews of one drift sweep (sweep.go): the live
	// objects, inventory parents and members are read once per sweep, checked against each
	// dry-run's resourceVersion, and the requests of all its previews share one bound.
	// Hooks are not previewed in a sweep (Plan.Hooks is empty): drift is the state of the
	// objects, a hook is run only by an apply (which previews again, without a Sweep), and
	// its dry-run creates and access reviews would go past the sweep's bound.
	Sweep *Sweep
}

// Diff is DiffWith with the zero DiffOptions.
func (e *Engine) Diff(ctx context.Context, objs []Object, prov Provenance) (*Plan, error) {
	return e.DiffWith(ctx, objs, prov, DiffOptions{})
}

// DiffWith previews objs against the cluster: a server-side apply dry-run of each object,
// compared with the live object. Objects are not modified: the desired objects (deep copies
// with the provenance annotations and default namespace) are kept in the plan for Apply.
//
// A live object whose provenance does not name prov.Deployment is not this deployment's: its
// change says who manages it and which fields applying takes over (Change.Unmanaged), and
// shows the manifest alone, unless opts.LiveOfUnmanaged.
func (e *Engine) DiffWith(ctx context.Context, objs []Object, prov Provenance, opts DiffOptions) (*Plan, error) {
	start := time.Now()
	all := objs
	objs, hookObjs := splitHooks(objs) // hooks.go: kept apart, previewed by planHooks
	items, err := e.prepare(objs, crdsOf(all), prov, opts)
	if err != nil {
		return nil, fmt.Errorf("failed to diff %s: %w", prov.Deployment, err)
	}
	if opts.Refuse != nil {
		for _, it := range items {
			it.blocked = opts.Refuse(NewChange(it.ref, it.clusterScoped(), it.desired))
		}
	}
	fetch := e.fetch
	if opts.Sweep != nil {
		fetch = func(ctx context.Context, items []*item) error { return e.fetchSweep(ctx, opts.Sweep, items) }
	}
	if err := fetch(ctx, items); err != nil {
		return nil, fmt.Errorf("failed to diff %s: %w", prov.Deployment, err)
	}
	if err := e.handOver(ctx, items); err != nil { // handover_apply.go
		return nil, fmt.Errorf("failed to diff %s: %w", prov.Deployment, err)
	}
	planNS := map[string]bool{}
	for _, it := range items {
		if groupKind(it.ref) == namespaceGK {
			planNS[it.ref.Name] = true
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return lessItem(items[i], items[j]) }) // waves.go
	plan := &Plan{Deployment: prov.Deployment, Path: prov.Path, Commit: prov.Commit, Changes: make([]Change, len(items))}
	for i, it := range items {
		plan.Changes[i] = it.change(planNS, prov.Deployment, opts)
		it.markHandOver(&plan.Changes[i])
	}
	if e.Inventory != "" {
		if plan.Orphans, err = e.orphans(ctx, prov.Deployment, items, opts.Sweep); err != nil {
			return nil, fmt.Errorf("failed to read the inventory of %s: %w", prov.Deployment, err)
		}
		if opts.KeepOrphan != nil {
			for i := range plan.Orphans {
				if plan.Orphans[i].Keep != "" { // its Argo CD options keep it (syncoptions.go)
					continue
				}
				plan.Orphans[i].Keep = opts.KeepOrphan(plan.Orphans[i])
			}
		}
	}
	if opts.Sweep == nil { // a drift sweep previews no hook (DiffOptions.Sweep)
		if plan.Hooks, err = e.planHooks(ctx, all, hookObjs, prov, opts, isInstall(plan.Changes)); err != nil {
			return nil, fmt.Errorf("failed to diff the hooks of %s: %w", prov.Deployment, err)
		}
	}
	plan.Digest = planDigest(plan, items)
	c, u, n, f := plan.Counts()
	zerolog.Ctx(ctx).Debug().Str("commit", prov.Commit).
		Int("objects", len(items)).Int("create", c).Int("update", u).Int("unchanged", n).Int("error", f).
		Dur("took", time.Since(start)).Msg("diff computed")
	return plan, nil
}

// lessRef orders changes: Namespaces, CRDs, then by kind, namespace, name (and group).
func lessRef(a, b Ref) bool {
	if sa, sb := stage(a), stage(b); sa != sb {
		return sa < sb
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Group < b.Group
}

// planCRD is what Diff needs to know of a CRD that the plan itself creates.
type planCRD struct {
	name       string
	namespaced bool
	// hook is set when the CRD is itself a hook (syncoptions_crd.go): the phases it runs in.
	// pre says whether one of them runs before the objects (PreSync, pre-install, pre-upgrade).
	hook string
	pre  bool
}

// crdsOf indexes the CRDs among objs (the desired objects and the hooks) by the group and
// kind they define.
func crdsOf(objs []Object) map[schema.GroupKind]planCRD {
	out := map[schema.GroupKind]planCRD{}
	for _, o := range objs {
		if o.Obj == nil || o.Obj.GroupVersionKind().GroupKind() != crdGK {
			continue
		}
		group, _, _ := unstructured.NestedString(o.Obj.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(o.Obj.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(o.Obj.Object, "spec", "scope")
		c := planCRD{name: o.Obj.GetName(), namespaced: scope != "Cluster"}
		if h := hookOf(o.Obj, o.Source); h != nil {
			c.hook, c.pre = strings.Join(h.Phases, ","), runsBefore(h)
		}
		out[schema.GroupKind{Group: group, Kind: kind}] = c
	}
	return out
}

// prepare stamps provenance on copies of the objects, resolves their resources and sets the
// default namespace (opts.Namespace, else "default"; opts.EnforceNamespace refuses another).
// crds are the CRDs of the plan, its hooks' among them (crdsOf).
func (e *Engine) prepare(objs []Object, crds map[schema.GroupKind]planCRD, prov Provenance, opts DiffOptions) ([]*item, error) {
	defaultNS := opts.Namespace
	if defaultNS == "" {
		defaultNS = metav1.NamespaceDefault
	}
	namespaced := func(d *unstructured.Unstructured, source string) error {
		switch ns := d.GetNamespace(); {
		case ns == "":
			d.SetNamespace(defaultNS)
		case opts.EnforceNamespace && ns != defaultNS:
			return &NamespaceError{Ref: RefOf(d), Source: source, Want: defaultNS}
		}
		return nil
	}
	type mapped struct {
		m   *meta.RESTMapping
		err error
	}
	mappings := map[schema.GroupVersionKind]mapped{}
	items := make([]*item, 0, len(objs))
	for i, o := range objs {
		if o.Obj == nil {
			return nil, fmt.Errorf("object %d has no content", i+1)
		}
		d := o.Obj.DeepCopy()
		ann := d.GetAnnotations()
		if ann == nil {
			ann = make(map[string]string, 2)
		}
		ann[AnnotationSourceRepo] = prov.Deployment
		ann[AnnotationSourcePath] = prov.Path
		d.SetAnnotations(ann)
		if id := e.inventoryID(prov.Deployment); id != "" {
			labels := d.GetLabels()
			if labels == nil {
				labels = make(map[string]string, 1)
			}
			labels[LabelApplySetPartOf] = id
			d.SetLabels(labels)
		}
		gvk := d.GroupVersionKind()
		mp, ok := mappings[gvk]
		if !ok {
			mp.m, mp.err = e.Kube.Mapping(gvk)
			mappings[gvk] = mp
		}
		it := &item{source: o.Source, desired: d}
		var badWave string
		it.wave, badWave = waveOf(ann)
		it.argo = argoOptionsOf(ann, badWave)
		if crd, ok := crds[gvk.GroupKind()]; ok && (crd.hook == "" || crd.pre) { // a later hook's CRD comes too late
			it.crd, it.crdHook = crd.name, crd.hook
		}
		switch {
		case mp.err == nil:
			it.mapping = mp.m
			if mp.m.Scope.Name() == meta.RESTScopeNameNamespace {
				if err := namespaced(d, o.Source); err != nil {
					return nil, err
				}
			} else {
				d.SetNamespace("")
			}
		case meta.IsNoMatchError(mp.err):
			if crd, ok := crds[gvk.GroupKind()]; ok && it.crd != "" {
				if !crd.namespaced {
					d.SetNamespace("")
				} else if err := namespaced(d, o.Source); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("failed to look up kind %s: %w", gvk, mp.err)
		}
		body, err := json.Marshal(d.Object)
		if err != nil {
			return nil, fmt.Errorf("failed to encode %s: %w", RefOf(d), err)
		}
		it.body = body
		it.ref = RefOf(d)
		items = append(items, it)
	}
	return items, nil
}

// fetch runs the dry-runs and reads the live objects, all at once within the concurrency
// bound. Per-object failures are kept in the items; only a cancelled context fails fetch.
func (e *Engine) fetch(ctx context.Context, items []*item) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.limit())

	type groupKey struct {
		gvr schema.GroupVersionResource
		ns  string
	}
	groups := map[groupKey][]*item{}
	hasBlocked := map[groupKey]bool{} // a LIST there would read a refused object too
	var order []groupKey
	for _, it := range items {
		if it.mapping == nil {
			continue
		}
		k := groupKey{it.mapping.Resource, it.ref.Namespace}
		if len(it.blocked) > 0 {
			hasBlocked[k] = true
			continue
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	var single []*item
	for _, k := range order {
		its := groups[k]
		if len(its) < listThreshold || hasBlocked[k] {
			single = append(single, its...)
			continue
		}
		g.Go(func() error {
			e.listLive(gctx, its)
			return nil
		})
	}
	for _, it := range items {
		if it.mapping == nil || len(it.blocked) > 0 {
			continue
		}
		g.Go(func() error {
			e.dryRun(gctx, it)
			return nil
		})
	}
	for _, it := range single {
		g.Go(func() error {
			e.getLive(gctx, it)
			return nil
		})
	}
	_ = g.Wait()
	return ctx.Err()
}

func (e *Engine) dryRun(ctx context.Context, it *item) {
	raw, err := e.apply(ctx, it.mapping, it.ref.Namespace, it.ref.Name, it.body, true)
	if err == nil {
		it.dry, err = decodeObject(raw)
	}
	if apierrors.IsNotFound(err) && !isNamespaceNotFound(err, it.ref.Namespace) && e.kindGone(it.desired.GroupVersionKind()) { // syncoptions_crd.go
		it.kindGone, err = true, nil
	}
	it.dryErr = err
}

func (e *Engine) getLive(ctx context.Context, it *item) {
	obj, err := e.get(ctx, it.mapping, it.ref.Namespace, it.ref.Name)
	switch {
	case err != nil:
		it.liveErr = err
	case obj != nil:
		it.setLive(obj)
	}
}

// listLive reads the live objects of items (one resource, one namespace) with one LIST, paged;
// when the LIST is refused it falls back to one GET per object.
func (e *Engine) listLive(ctx context.Context, its []*item) {
	byName := make(map[string]*item, len(its))
	for _, it := range its {
		byName[it.ref.Name] = it
	}
	first := its[0]
	cont := ""
	for {
		items, next, err := e.list(ctx, first.mapping, first.ref.Namespace, cont)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var g errgroup.Group
			g.SetLimit(8)
			for _, it := range its {
				g.Go(func() error {
					e.getLive(ctx, it)
					return nil
				})
			}
			_ = g.Wait()
			return
		}
		for _, obj := range items {
			m, _ := obj.(map[string]interface{})
			md, _ := m["metadata"].(map[string]interface{})
			name, _ := md["name"].(string)
			if it, ok := byName[name]; ok {
				it.setLive(m)
			}
		}
		if next == "" {
			return
		}
		cont = next
	}
}

// setLive keeps the normalized live object (and its resourceVersion, for the digest).
func (it *item) setLive(obj map[string]interface{}) {
	if md, ok := obj["metadata"].(map[string]interface{}); ok {
		it.liveRV, _ = md["resourceVersion"].(string)
	}
	it.owner = ReconcilerOf(obj) // before normalize drops managedFields
	it.facts = liveFactsOf(obj)
	it.handover = handoverOf(obj)
	normalize(obj)
	it.live = obj
}

// change turns the fetched state of an item into its Change. planNS holds the Namespaces the
// plan creates; deployment is the deployment previewed.
func (it *item) change(planNS map[string]bool, deployment string, opts DiffOptions) Change {
	c := Change{Ref: it.ref, Source: it.source, desired: it.desired, ManagedBy: it.owner, ClusterScoped: it.clusterScoped(), liveShown: opts.LiveOfUnmanaged,
		Wave: it.wave, Argo: it.argo, liveRV: it.liveRV}
	if c.ManagedBy == nil {
		c.ManagedBy = ReconcilerObjectOf(it.desired) // issue 17: an Argo CD Application, a Flux Kustomization… (owners_objects.go)
	}
	isSecret := groupKind(it.ref) == secretGK
	fail := func(msg string) Change {
		c.Action = ActionError
		c.Err = msg
		return c
	}
	// The live object exists and is not this deployment's (or could not be read): its live
	// values, and apiserver messages that may quote them, are not shown.
	unmanaged := it.live != nil && it.facts.deployment != deployment
	hide := (unmanaged || it.liveErr != nil) && !opts.LiveOfUnmanaged
	if unmanaged {
		c.Unmanaged = &Unmanaged{Deployment: it.facts.deployment, Path: it.facts.path, Managers: it.facts.managers}
	}
	switch {
	case len(it.blocked) > 0:
		c.Action = ActionBlocked
		c.Violations = it.blocked
		c.Note = "the deployment's policy refuses this object, so it was not sent to the cluster (neither dry-run nor read): shown as in the folder"
		return it.manifestDiff(c, "(not read)")
	case it.unmapped() && it.crd != "":
		c.Note = planCRDNote(it.ref, it.crd, it.crdHook) // syncoptions_crd.go
		c.kindLater = true
		return it.asSent(c)
	case it.unmapped() && it.argo != nil && it.argo.SkipDryRun: // syncoptions.go
		c.Note = skipDryRunNote(it.ref)
		c.kindLater = true
		return it.asSent(c)
	case it.unmapped():
		return fail(fmt.Sprintf("no kind %s in group %s on the cluster: is its CRD installed?", it.ref.Kind, groupName(it.ref.Group)))
	case it.dryErr != nil && planNS[it.ref.Namespace] && isNamespaceNotFound(it.dryErr, it.ref.Namespace):
		c.Note = fmt.Sprintf("namespace %s is created by this plan: shown as sent, without server defaults", it.ref.Namespace)
		return it.asSent(c)
	case it.dryErr != nil && hide:
		why := hiddenBecause
		if !unmanaged {
			why = "the live object could not be read to tell whether this deployment manages it"
		}
		return fail(hiddenErrMessage(it.dryErr, it.ref, why))
	case it.dryErr != nil:
		if isSecret {
			return fail(secretErrMessage(it.dryErr, it.desired.Object, it.ref))
		}
		return fail(it.dryErr.Error())
	case it.liveErr != nil:
		return fail(fmt.Sprintf("failed to read the live object: %v", it.liveErr))
	}
	if unmanaged {
		c.Unmanaged.TakeOver, c.Unmanaged.More = takeOver(appliedFields(it.dry), it.facts.fields, isSecret)
	}
	normalize(it.dry)
	if it.live != nil && reflect.DeepEqual(it.live, it.dry) {
		c.Action = ActionUnchanged
		if isSecret {
			c.Secret = secretKeys(it.live, it.dry)
		}
		return c
	}
	c.Action = ActionUpdate
	if it.live == nil {
		c.Action = ActionCreate
	}
	if unmanaged && !opts.LiveOfUnmanaged {
		// Applying stamps this deployment's provenance, so it always changes the object.
		c.Note = "this object exists and this deployment does not manage it: its live values are not shown, only the manifest"
		return it.manifestDiff(c, "(live object not shown)")
	}
	return it.withDiff(c, it.live, it.dry)
}

// asSent makes c a create of the desired object as sent (no dry-run was possible).
func (it *item) asSent(c Change) Change {
	c.Action = ActionCreate
	after := it.desired.Object
	if groupKind(it.ref) == secretGK {
		after = asStored(after)
	}
	after = copyTop(after)
	normalize(after)
	return it.withDiff(c, nil, after)
}

// withDiff sets the diff text (and, for Secrets, the changed keys, with values masked).
func (it *item) withDiff(c Change, live, after map[string]interface{}) Change {
	if groupKind(it.ref) == secretGK {
		c.Secret = secretKeys(live, after)
		live, after = maskSecrets(live, after)
	}
	d, err := unifiedDiff(it.ref, live, after)
	if err != nil {
		c.Diff = fmt.Sprintf("(diff unavailable: %v)", err)
	} else {
		c.Diff = d
	}
	return c
}

// isNamespaceNotFound reports whether err is the apiserver saying namespace ns does not exist.
func isNamespaceNotFound(err error, ns string) bool {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsNotFound(err) || se.ErrStatus.Details == nil {
		return false
	}
	d := se.ErrStatus.Details
	return d.Kind == "namespaces" && d.Name == ns
}

func groupName(g string) string {
	if g == "" {
		return `"" (core)`
	}
	return g
}
