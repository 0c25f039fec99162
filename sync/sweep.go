package sync

import (
	"context"
	gosync "sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Sweep is what the previews of one drift sweep share (issue 12; DiffOptions.Sweep): the
// sweep previews every applied deployment, and without it each preview would read its own
// live objects with a LIST of their whole resource and namespace, its inventory parent with a
// GET, and its members with a LIST per group-kind and namespace — the same reads, each made
// once per deployment. With it:
//
//   - the live objects of each resource and namespace are read once per sweep, with one
//     paged LIST of the objects of an ApplySet (label applyset.kubernetes.io/part-of), and
//     a live object is used only when its resourceVersion is the one the object's dry-run
//     was applied to (the dry-run of an existing object answers with the resourceVersion it
//     read); any other object (changed since the LIST, not labelled, absent, or whose
//     dry-run failed) is read with its own GET, as a preview without a Sweep does;
//   - the inventory parents are read once per sweep (one LIST of the ConfigMaps labelled
//     applyset.kubernetes.io/id in Rigel's namespace; a parent missing there is read with a
//     GET);
//   - the members of an inventory are found in the same shared LISTs.
//
// Orphans (members no longer rendered) are as of the sweep's LIST: a drift check reports,
// it never prunes (an apply previews again, without a Sweep).
//
// A Sweep also bounds the requests in flight at the apiserver for all the previews that
// share it (NewSweep's inFlight), whatever their number. Safe for concurrent use.
type Sweep struct {
	gate chan struct{} // nil: no bound besides each preview's Engine.Concurrency

	mu    gosync.Mutex
	lists map[sweepKey]*sweepList
}

// NewSweep is an empty Sweep whose previews have at most inFlight requests in flight at
// once, together (< 1: no shared bound).
func NewSweep(inFlight int) *Sweep {
	s := &Sweep{lists: map[sweepKey]*sweepList{}}
	if inFlight > 0 {
		s.gate = make(chan struct{}, inFlight)
	}
	return s
}

// sweepKey names one shared LIST: a resource in a namespace ("" cluster-scoped), of the
// objects that carry a label (selector: the label's key).
type sweepKey struct {
	gvr      schema.GroupVersionResource
	ns       string
	selector string
}

// sweepList is one shared LIST, made by the first preview that needs it.
type sweepList struct {
	once   gosync.Once
	byName map[string]map[string]interface{} // read only: a caller that changes an object copies it
	err    error
}

// acquire takes one of the sweep's slots for a request (no-op without a Sweep or a bound).
func (s *Sweep) acquire(ctx context.Context) error {
	if s == nil || s.gate == nil {
		return nil
	}
	select {
	case s.gate <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sweep) release() {
	if s != nil && s.gate != nil {
		<-s.gate
	}
}

// Within runs f, which makes one request to the apiserver, within the sweep's bound: for the
// sweep's requests besides the previews' (the registry read, the apply lock looked at, of a
// deployment found drifted). It fails only when ctx ends before a slot frees. A nil Sweep
// runs f at once.
func (s *Sweep) Within(ctx context.Context, f func()) error { return s.gated(ctx, f) }

// gated runs one request f within the sweep's bound.
func (s *Sweep) gated(ctx context.Context, f func()) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	f()
	return nil
}

// shared is the shared LIST of resource m in ns of the objects carrying label, by name, made
// on first use (every page within the sweep's bound).
func (e *Engine) shared(ctx context.Context, s *Sweep, m *meta.RESTMapping, ns, label string) (map[string]map[string]interface{}, error) {
	k := sweepKey{gvr: m.Resource, ns: ns, selector: label}
	s.mu.Lock()
	l, ok := s.lists[k]
	if !ok {
		l = &sweepList{}
		s.lists[k] = l
	}
	s.mu.Unlock()
	l.once.Do(func() {
		byName := map[string]map[string]interface{}{}
		cont := ""
		for {
			var (
				items []interface{}
				next  string
				err   error
			)
			if gerr := s.gated(ctx, func() { items, next, err = e.listWith(ctx, m, ns, cont, label) }); gerr != nil {
				err = gerr
			}
			if err != nil {
				l.err = err
				return
			}
			for _, it := range items {
				obj, _ := it.(map[string]interface{})
				md, _ := obj["metadata"].(map[string]interface{})
				if name, _ := md["name"].(string); name != "" {
					byName[name] = obj
				}
			}
			if next == "" {
				break
			}
			cont = next
		}
		l.byName = byName
	})
	return l.byName, l.err
}

// fetchSweep is fetch within a Sweep: each object's dry-run, then its live object from the
// sweep's shared LIST when that LIST holds it at the resourceVersion the dry-run was applied
// to, else from a GET. A resource and namespace where the policy refuses an object are not
// LISTed for this preview (a refused object is never read): their objects are read with GETs.
func (e *Engine) fetchSweep(ctx context.Context, s *Sweep, items []*item) error {
	type groupKey struct {
		gvr schema.GroupVersionResource
		ns  string
	}
	hasBlocked := map[groupKey]bool{}
	for _, it := range items {
		if it.mapping != nil && len(it.blocked) > 0 {
			hasBlocked[groupKey{it.mapping.Resource, it.ref.Namespace}] = true
		}
	}
	var wg gosync.WaitGroup
	limit := make(chan struct{}, e.limit())
	for _, it := range items {
		if it.mapping == nil || len(it.blocked) > 0 {
			continue
		}
		shareable := !hasBlocked[groupKey{it.mapping.Resource, it.ref.Namespace}]
		wg.Add(1)
		limit <- struct{}{}
		go func() {
			defer func() { <-limit; wg.Done() }()
			if s.gated(ctx, func() { e.dryRun(ctx, it) }) != nil {
				return
			}
			if shareable && it.dryErr == nil {
				if live, err := e.shared(ctx, s, it.mapping, it.ref.Namespace, LabelApplySetPartOf); err == nil {
					if obj := live[it.ref.Name]; obj != nil && resourceVersionOf(obj) != "" && resourceVersionOf(obj) == resourceVersionOf(it.dry) {
						it.setLive(runtime.DeepCopyJSON(obj))
						return
					}
				}
			}
			_ = s.gated(ctx, func() { e.getLive(ctx, it) })
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// sweepParent is the inventory parent named name from the sweep's shared LIST of the
// parents in Rigel's namespace; one missing there (created since, or the LIST refused) is
// read with a GET. Without a Sweep it is a GET.
func (e *Engine) sweepParent(ctx context.Context, s *Sweep, m *meta.RESTMapping, name string) (map[string]interface{}, error) {
	if s != nil {
		if parents, err := e.shared(ctx, s, m, e.Inventory, LabelApplySetID); err == nil && parents[name] != nil {
			return parents[name], nil
		}
	}
	var (
		obj map[string]interface{}
		err error
	)
	if gerr := s.gated(ctx, func() { obj, err = e.get(ctx, m, e.Inventory, name) }); gerr != nil {
		return nil, gerr
	}
	return obj, err
}

// sweepMembers lists the objects of resource m in ns labelled part-of the ApplySet id, from
// the sweep's shared LIST of that resource and namespace (its own LIST when the shared one
// failed); without a Sweep it is listSelected. The objects are read only.
func (e *Engine) sweepMembers(ctx context.Context, s *Sweep, m *meta.RESTMapping, ns, id string) ([]map[string]interface{}, error) {
	if s != nil {
		if all, err := e.shared(ctx, s, m, ns, LabelApplySetPartOf); err == nil {
			var out []map[string]interface{}
			for _, obj := range all {
				md, _ := obj["metadata"].(map[string]interface{})
				if stringMap(md["labels"])[LabelApplySetPartOf] == id {
					out = append(out, obj)
				}
			}
			return out, nil
		}
	}
	var (
		out []map[string]interface{}
		err error
	)
	if gerr := s.gated(ctx, func() { out, err = e.listSelected(ctx, m, ns, LabelApplySetPartOf+"="+id) }); gerr != nil {
		return nil, gerr
	}
	return out, err
}

// resourceVersionOf is an object's metadata.resourceVersion ("" when it has none).
func resourceVersionOf(obj map[string]interface{}) string {
	md, _ := obj["metadata"].(map[string]interface{})
	rv, _ := md["resourceVersion"].(string)
	return rv
}
