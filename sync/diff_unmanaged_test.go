package sync

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// loggedEngine is an engine on the test cluster whose requests are recorded.
func loggedEngine(t *testing.T) (*Engine, *testenv.RequestLog) {
	t.Helper()
	cluster(t)
	log := &testenv.RequestLog{}
	cfg := rest.CopyConfig(theCluster.Config)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { log.Next = rt; return log }
	k, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{Kube: k}, log
}

func refuseNamespaceOrName(ns, name string) func(Change) []Violation {
	return func(c Change) []Violation {
		r := c.Ref
		if r.Namespace == ns || r.Name == name {
			return []Violation{{Rule: "namespaces", Msg: "refused by the test"}}
		}
		return nil
	}
}

// An object the policy refuses is neither dry-run nor read: no request names it, no LIST
// covers it; its change is the manifest alone; the digest still covers it; Apply skips it.
func TestDiffRefusedObjectsNeverReachTheCluster(t *testing.T) {
	e, log := loggedEngine(t)
	ctx := testCtx(t)
	walled, mixed := newNamespace(t, "walled"), newNamespace(t, "mixed")
	cms := theClient.Typed.CoreV1().ConfigMaps(walled)
	for _, cm := range []*corev1.ConfigMap{
		{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: walled}, Data: map[string]string{"password": "walled-live-value"}},
	} {
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := theClient.Typed.CoreV1().ConfigMaps(mixed).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "forbidden", Namespace: mixed},
		Data: map[string]string{"password": "forbidden-live-value"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	docs := []string{configMap(walled, "cfg", map[string]string{"password": "from-the-manifest"}), configMap(walled, "new", nil),
		configMap(mixed, "forbidden", map[string]string{"k": "v"})}
	for i := 0; i < listThreshold+1; i++ { // enough for a LIST of mixed, were none refused
		docs = append(docs, configMap(mixed, fmt.Sprintf("ok-%d", i), nil))
	}
	prov := Provenance{Deployment: "walls", Path: "w", Commit: "c1"}
	opts := DiffOptions{Refuse: refuseNamespaceOrName(walled, "forbidden")}
	p, err := e.DiffWith(ctx, objs(t, "w/cm.yaml", docs...), prov, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := log.Matching("/namespaces/" + walled + "/"); len(got) > 0 {
		t.Errorf("requests reached the refused namespace: %q", got)
	}
	if got := log.Matching("/configmaps/forbidden"); len(got) > 0 {
		t.Errorf("requests named the refused object: %q", got)
	}
	for _, r := range log.Matching("/namespaces/" + mixed + "/configmaps?") {
		t.Errorf("a LIST covered the refused object: %s", r)
	}
	if got := log.Matching("/namespaces/" + mixed + "/configmaps/ok-"); len(got) != 2*(listThreshold+1) {
		t.Errorf("the allowed objects got %d requests, want a dry-run and a GET each (%d): %q", len(got), 2*(listThreshold+1), got)
	}
	blocked := 0
	for _, c := range p.Changes {
		refused := c.Ref.Namespace == walled || c.Ref.Name == "forbidden"
		if refused != (c.Action == ActionBlocked) {
			t.Errorf("%s: action %s", c.Ref, c.Action)
		}
		if !refused {
			continue
		}
		blocked++
		if len(c.Violations) != 1 || c.ManagedBy != nil || c.Unmanaged != nil || !strings.Contains(c.Note, "not sent to the cluster") {
			t.Errorf("%s: %+v", c.Ref, c)
		}
		if !strings.HasPrefix(c.Diff, "--- (not read)\n") {
			t.Errorf("%s: diff\n%s", c.Ref, c.Diff)
		}
	}
	if blocked != 3 {
		t.Fatalf("%d blocked, want 3:\n%s", blocked, actions(p))
	}
	if !strings.Contains(p.Changes[indexOf(t, p, "cfg")].Diff, "+  password: from-the-manifest") {
		t.Errorf("the manifest side is missing:\n%s", p.Changes[indexOf(t, p, "cfg")].Diff)
	}
	assertNoSecret(t, p, "walled-live-value", "forbidden-live-value")

	// The digest covers refused objects: another manifest for one of them, another digest.
	docs[0] = configMap(walled, "cfg", map[string]string{"password": "another"})
	p2, err := e.DiffWith(ctx, objs(t, "w/cm.yaml", docs...), prov, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Digest == p.Digest {
		t.Error("a refused object changed, the digest did not")
	}
	// Apply never applies them, even when handed such a plan.
	res := mustApply(t, e, ctx, p, ApplyOptions{})
	for _, o := range res.Objects {
		if refused := o.Ref.Namespace == walled || o.Ref.Name == "forbidden"; refused && (o.Action != ActionError || !strings.Contains(o.Message, "policy refuses")) {
			t.Errorf("%s: %s %q", o.Ref, o.Action, o.Message)
		}
	}
	if got := live(t, ctx, Ref{Version: "v1", Kind: "ConfigMap", Namespace: mixed, Name: "forbidden"}); got.GetAnnotations()[AnnotationSourceRepo] != "" {
		t.Error("Apply applied a refused object")
	}
	if got := log.Matching("/namespaces/" + walled + "/"); len(got) > 0 {
		t.Errorf("Apply reached the refused namespace: %q", got)
	}
}

func indexOf(t *testing.T, p *Plan, name string) int {
	t.Helper()
	for i, c := range p.Changes {
		if c.Ref.Name == name {
			return i
		}
	}
	t.Fatalf("no change for %s", name)
	return -1
}

// A preview shows live values only of objects the deployment manages. Of any other existing
// object it says who manages it and which fields applying takes over.
func TestDiffUnmanagedShowsNoLiveValue(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "unmanaged")
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cluster-config", Namespace: ns},
		Data: map[string]string{"password": "cm-live-password", "color": "crimson-live"}}, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
		t.Fatal(err)
	}
	if _, err := theClient.Typed.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: ns},
		Data: map[string][]byte{"token": []byte("live-secret-token"), "hidden-key-name": []byte("x-live-value")}}, metav1.CreateOptions{FieldManager: "kubectl-create"}); err != nil {
		t.Fatal(err)
	}
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "frozen", Namespace: ns},
		Data: map[string]string{"a": "frozen-live-value"}, Immutable: boolPtr(true)}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	in := objs(t, "k/x.yaml", configMap(ns, "cluster-config", map[string]string{"color": "blue"}),
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: "+ns+"\nstringData:\n  token: manifest-token\n",
		configMap(ns, "frozen", map[string]string{"a": "b"}))
	p := mustDiff(t, e, ctx, in, Provenance{Deployment: "mine", Path: "k"})
	assertNoSecret(t, p, "cm-live-password", "crimson-live", "live-secret-token", "hidden-key-name", "x-live-value", "frozen-live-value")
	cm, sec, frozen := p.Changes[indexOf(t, p, "cluster-config")], p.Changes[indexOf(t, p, "creds")], p.Changes[indexOf(t, p, "frozen")]
	if cm.Action != ActionUpdate || cm.Unmanaged == nil || !reflect.DeepEqual(cm.Unmanaged.Managers, []string{"kubectl-client-side-apply"}) ||
		!reflect.DeepEqual(cm.Unmanaged.TakeOver, []string{"data.color"}) || cm.Unmanaged.Deployment != "" {
		t.Errorf("ConfigMap: %s %+v", cm.Action, cm.Unmanaged)
	}
	if !strings.HasPrefix(cm.Diff, "--- (live object not shown)\n") || !strings.Contains(cm.Diff, "+  color: blue") {
		t.Errorf("ConfigMap diff:\n%s", cm.Diff)
	}
	if sec.Unmanaged == nil || !reflect.DeepEqual(sec.Unmanaged.TakeOver, []string{"data"}) || !reflect.DeepEqual(sec.Secret, &SecretKeys{}) {
		t.Errorf("Secret: %+v %+v", sec.Unmanaged, sec.Secret)
	}
	if frozen.Action != ActionError || !strings.Contains(frozen.Err, "the apiserver's message is hidden") || !strings.Contains(frozen.Err, "data") {
		t.Errorf("immutable ConfigMap: %s %q", frozen.Action, frozen.Err)
	}

	// The local CLI (the operator's own kubeconfig) asks for the live values.
	shown, err := e.DiffWith(ctx, in, Provenance{Deployment: "mine", Path: "k"}, DiffOptions{LiveOfUnmanaged: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := shown.Changes[indexOf(t, shown, "cluster-config")]; c.Unmanaged == nil || !strings.Contains(c.Diff, "-  color: crimson-live") {
		t.Errorf("LiveOfUnmanaged: %+v\n%s", c.Unmanaged, c.Diff)
	}

	// Once applied by this deployment, the object is its own: the diff shows live values.
	cmOnly := in[:1]
	if r := mustApply(t, e, ctx, mustDiff(t, e, ctx, cmOnly, Provenance{Deployment: "mine", Path: "k"}), ApplyOptions{}); r.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", r)
	}
	again := mustDiff(t, e, ctx, objs(t, "k/x.yaml", configMap(ns, "cluster-config", map[string]string{"color": "green"})), Provenance{Deployment: "mine", Path: "k"})
	if c := again.Changes[0]; c.Unmanaged != nil || !strings.Contains(c.Diff, "-  color: blue") {
		t.Errorf("own object: %+v\n%s", c.Unmanaged, c.Diff)
	}
	// For another deployment it is unmanaged, and its provenance names this one.
	other := mustDiff(t, e, ctx, cmOnly, Provenance{Deployment: "theirs", Path: "t"})
	if u := other.Changes[0].Unmanaged; u == nil || u.Deployment != "mine" || u.Path != "k" || !slices.Contains(u.Managers, FieldManager) ||
		!slices.Contains(u.TakeOver, `metadata.annotations["helmsman.dev/source-repo"]`) {
		t.Errorf("another deployment's object: %+v", u)
	}
}

func boolPtr(b bool) *bool { return &b }
