package sync

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// hookCRD is crdYAML with the annotations ann (lines of "    key: value\n").
func hookCRD(group, kind, plural, ann string) string {
	return strings.Replace(crdYAML(group, kind, plural), "metadata:\n", "metadata:\n  annotations:\n"+ann, 1)
}

func gizmo(group, ns, name, ann string) string {
	a := ""
	if ann != "" {
		a = "  annotations:\n" + ann
	}
	return "apiVersion: " + group + "/v1\nkind: Gizmo\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + a + "spec:\n  color: blue\n"
}

func deleteCRD(t *testing.T, name string) {
	t.Cleanup(func() {
		_ = theClient.Dynamic.Resource(crdGVR).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

// A custom resource whose CRD is a PreSync hook of the same plan is previewed as sent without
// any option (as Argo CD does), said; the apply creates the CRD hook, waits until it is
// established, then applies the resource. A CRD hook of a later phase does not count.
func TestSyncOptionsCRDFromPreSyncHook(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "crdhook")
	group := uniqueName("pre") + ".example.com"
	deleteCRD(t, "gizmos."+group)
	prov := Provenance{Deployment: "crdhook", Path: "c", Commit: "c1"}
	crd := hookCRD(group, "Gizmo", "gizmos", "    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookFailed\n    argocd.argoproj.io/sync-options: Replace=true\n")
	p := mustDiff(t, e, ctx, objs(t, "c/all.yaml", crd, gizmo(group, ns, "g", "")), prov)
	if len(p.Changes) != 1 || len(p.Hooks) != 1 {
		t.Fatalf("changes %s hooks %d", actions(p), len(p.Hooks))
	}
	c := p.Changes[0]
	if c.Action != ActionCreate || !strings.Contains(c.Note, "a PreSync hook of this plan") || !strings.Contains(c.Diff, "color: blue") {
		t.Fatalf("the resource: %s %q %q\n%s", c.Action, c.Note, c.Err, c.Diff)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 10 * time.Second})
	if res.Status != StatusSucceeded || len(res.Hooks) != 1 || res.Hooks[0].Message != "the CustomResourceDefinition is established" {
		t.Fatalf("apply %s %+v hooks %+v", res.Status, res.Objects, res.Hooks)
	}
	g := schema.GroupVersionResource{Group: group, Version: "v1", Resource: "gizmos"}
	got, err := theClient.Dynamic.Resource(g).Namespace(ns).Get(ctx, "g", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size, _, _ := unstructuredInt(got.Object, "spec", "size"); size != 3 {
		t.Errorf("the CRD's default was not applied: size %d", size)
	}

	// Applied again: the CRD hook exists and its policy keeps it, Replace=true replaces it.
	p = mustDiff(t, e, ctx, objs(t, "c/all.yaml", crd, gizmo(group, ns, "g", "")), prov)
	if h := p.Hooks[0]; h.Action != ActionCreate || !strings.Contains(h.Note, "Replace=true replaces it") {
		t.Fatalf("second preview of the hook: %s %q %q", h.Action, h.Note, h.Err)
	}
	if res := mustApply(t, e, ctx, p, ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("second apply %s %+v %+v", res.Status, res.Objects, res.Hooks)
	}

	// The CRD deleted since (the engine's discovery still knows the kind): the dry-run's 404
	// makes it look again, and the resource is previewed as sent, as at first.
	if err := theClient.Dynamic.Resource(crdGVR).Delete(ctx, "gizmos."+group, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := theClient.Dynamic.Resource(crdGVR).Get(ctx, "gizmos."+group, metav1.GetOptions{}); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the CRD is still there")
		}
		time.Sleep(100 * time.Millisecond)
	}
	p = mustDiff(t, e, ctx, objs(t, "c/all.yaml", crd, gizmo(group, ns, "g", "")), prov)
	if c := p.Changes[0]; c.Action != ActionCreate || !strings.Contains(c.Note, "a PreSync hook of this plan") {
		t.Fatalf("after the CRD was deleted: %s %q %q", c.Action, c.Note, c.Err)
	}

	// A CRD that is a PostSync hook comes after the objects: the resource is refused.
	late := uniqueName("post") + ".example.com"
	p = mustDiff(t, e, ctx, objs(t, "c/all.yaml", hookCRD(late, "Gizmo", "gizmos", "    argocd.argoproj.io/hook: PostSync\n"), gizmo(late, ns, "g", "")), prov)
	if c := p.Changes[0]; c.Action != ActionError || !strings.Contains(c.Err, "is its CRD installed?") {
		t.Errorf("a PostSync CRD: %s %q %q", c.Action, c.Note, c.Err)
	}
}

// SkipDryRunOnMissingResource=true on a resource whose CRD an earlier wave brings (here an
// "operator" that creates the CRD once the wave-0 ConfigMap exists): previewed as sent, and
// applied once the kind is served, after the earlier wave.
func TestSyncOptionsSkipDryRunAcrossWaves(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "skipwave")
	group := uniqueName("op") + ".example.com"
	deleteCRD(t, "gizmos."+group)
	crd := objs(t, "operator", crdYAML(group, "Gizmo", "gizmos"))[0].Obj
	var crdAt time.Time
	opDone := make(chan struct{})
	opCtx, stop := context.WithCancel(ctx)
	defer func() { stop(); <-opDone }()
	go func() { // the operator: installs its CRD when its wave-0 ConfigMap appears
		defer close(opDone)
		for opCtx.Err() == nil {
			if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(opCtx, "operator", metav1.GetOptions{}); err == nil {
				crdAt = time.Now()
				if _, err := theClient.Dynamic.Resource(crdGVR).Create(opCtx, crd, metav1.CreateOptions{}); err != nil {
					t.Errorf("operator: %v", err)
				}
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	prov := Provenance{Deployment: "skipwave", Path: "s", Commit: "c1"}
	in := objs(t, "s/all.yaml", waveCM(ns, "operator", "0"),
		gizmo(group, ns, "g", "    argocd.argoproj.io/sync-wave: \"1\"\n    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true\n"))
	p := mustDiff(t, e, ctx, in, prov)
	if got := p.Waves(); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Fatalf("waves %v", got)
	}
	if c := p.WaveOf(1)[0]; c.Action != ActionCreate || !strings.Contains(c.Note, "SkipDryRunOnMissingResource=true") {
		t.Fatalf("wave 1: %s %q %q", c.Action, c.Note, c.Err)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 20 * time.Second})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply %s %+v stopped %q", res.Status, res.Objects, res.Stopped)
	}
	<-opDone
	g := schema.GroupVersionResource{Group: group, Version: "v1", Resource: "gizmos"}
	got, err := theClient.Dynamic.Resource(g).Namespace(ns).Get(ctx, "g", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.GetCreationTimestamp().Time.After(crdAt.Add(-time.Second)) {
		t.Errorf("the resource (%s) before its CRD (%s)", got.GetCreationTimestamp(), crdAt)
	}
}

func TestHookArgoOptions(t *testing.T) {
	for _, tc := range []struct {
		name             string
		opts             string
		said, ignoredHas []string
	}{
		{"none", "", nil, nil},
		{"replace", "Replace=true", []string{"Replace=true: a hook of this name that exists (its delete policy keeping it) is replaced as a whole, not created again"}, nil},
		{"force", "Replace=true,Force=true", []string{"Replace=true,Force=true: a hook of this name that exists is deleted and created again"}, nil},
		{"skip", "SkipDryRunOnMissingResource=true", []string{"SkipDryRunOnMissingResource=true: created once its kind is served, when the cluster does not know it yet"}, nil},
		{"no effect", "Prune=false,Delete=false,ServerSideApply=true,Validate=false", nil, []string{"Validate=false", "Prune=false (a hook is never pruned", "Delete=false (a hook is deleted by its delete policy", "ServerSideApply=true (a hook is created, not applied)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ann := map[string]string{}
			if tc.opts != "" {
				ann[AnnotationArgoSyncOptions] = tc.opts
			}
			o, said, ignored := hookArgoOptions(ann)
			if (o == nil) != (tc.opts == "") || !reflect.DeepEqual(said, tc.said) || len(ignored) != len(tc.ignoredHas) {
				t.Fatalf("got %+v %q %q", o, said, ignored)
			}
			for i, w := range tc.ignoredHas {
				if !strings.Contains(ignored[i], w) {
					t.Errorf("ignored[%d] = %q, want %q in it", i, ignored[i], w)
				}
			}
		})
	}
}

// Sync options on a hook: a named hook that its delete policy keeps is created again only
// with Replace=true (else the apply fails at it, as the preview says); SkipDryRun lets a hook
// of a kind the cluster does not know be previewed; options that do nothing to a hook are listed.
func TestSyncOptionsOnHooks(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hookopts")
	prov := Provenance{Deployment: "hookopts", Path: "h", Commit: "c1"}
	hook := func(name, opts, v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookFailed\n" +
			"    argocd.argoproj.io/sync-options: \"" + opts + "\"\ndata:\n  v: \"" + v + "\"\n"
	}
	in := func(v string) []Object {
		return objs(t, "h/all.yaml", hook("z-kept", "Prune=false", v), hook("replaced", "Replace=true", v), hookCM("app", ns, v))
	}
	p := mustDiff(t, e, ctx, in("1"), prov)
	if res := mustApply(t, e, ctx, p, ApplyOptions{}); res.Status != StatusSucceeded {
		t.Fatalf("first apply %s %+v", res.Status, res.Hooks)
	}
	p = mustDiff(t, e, ctx, in("2"), prov)
	notes := map[string]HookChange{}
	for _, h := range p.Hooks {
		notes[h.Ref.Name] = h
	}
	if h := notes["z-kept"]; !strings.Contains(h.Note, "creating it again fails") || len(h.Hook.Unknown) != 1 || !strings.Contains(h.Hook.Unknown[0], "Prune=false (a hook is never pruned") {
		t.Errorf("z-kept: %q %q", h.Note, h.Hook.Unknown)
	}
	if h := notes["replaced"]; !strings.Contains(h.Note, "Replace=true replaces it") || len(h.Hook.Options) != 1 {
		t.Errorf("replaced: %q %q", h.Note, h.Hook.Options)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{})
	got := map[string]HookResult{}
	for _, h := range res.Hooks {
		got[h.Ref.Name] = h
	}
	if h := got["z-kept"]; h.Outcome != HookFailed || !apierrorsAlreadyExists(h.Message) {
		t.Errorf("kept: %s %q", h.Outcome, h.Message)
	}
	cm, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "replaced", metav1.GetOptions{})
	if err != nil || cm.Data["v"] != "2" {
		t.Errorf("replaced: %v %v", cm.Data, err)
	}
	if res.Status != StatusFailed {
		t.Errorf("the apply with a hook that cannot be created again: %s", res.Status)
	}

	// A hook of a kind the cluster does not know: refused, unless SkipDryRunOnMissingResource=true.
	unknown := func(opts string) string {
		return "apiVersion: nowhere.example.com/v1\nkind: Thing\nmetadata:\n  name: t\n  namespace: " + ns + "\n  annotations:\n    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/sync-options: \"" + opts + "\"\n"
	}
	p = mustDiff(t, e, ctx, objs(t, "h/u.yaml", unknown("Replace=false")), prov)
	if h := p.Hooks[0]; h.Action != ActionError {
		t.Errorf("unknown kind without the option: %s %q", h.Action, h.Note)
	}
	p = mustDiff(t, e, ctx, objs(t, "h/u.yaml", unknown("SkipDryRunOnMissingResource=true")), prov)
	if h := p.Hooks[0]; h.Action != ActionCreate || !strings.Contains(h.Note, "SkipDryRunOnMissingResource=true") {
		t.Errorf("unknown kind with the option: %s %q %q", h.Action, h.Note, h.Err)
	}
}

func apierrorsAlreadyExists(msg string) bool { return strings.Contains(msg, "already exists") }
