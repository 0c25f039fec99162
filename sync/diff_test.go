package sync

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func configMap(ns, name string, data map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n", name)
	if ns != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", ns)
	}
	if len(data) > 0 {
		b.WriteString("data:\n")
		for k, v := range data {
			fmt.Fprintf(&b, "  %s: %q\n", k, v)
		}
	}
	return b.String()
}

// mustDiff runs Diff and fails the test on error.
func mustDiff(t *testing.T, e *Engine, ctx context.Context, objs []Object, prov Provenance) *Plan {
	t.Helper()
	p, err := e.Diff(ctx, objs, prov)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return p
}

func mustApply(t *testing.T, e *Engine, ctx context.Context, p *Plan, opts ApplyOptions) *Result {
	t.Helper()
	r, err := e.Apply(ctx, p, opts)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return r
}

// actions lists "Ref action" lines of a plan.
func actions(p *Plan) string {
	var b strings.Builder
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "%s %s\n", c.Ref, c.Action)
	}
	return b.String()
}

func TestDiffCreateUpdateUnchanged(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	// A fixed namespace keeps the golden diff stable; the test starts from a clean state.
	ns := "golden-diff"
	if err := theCluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	err := theClient.Typed.CoreV1().ConfigMaps(ns).Delete(ctx, "settings", metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	prov := Provenance{Deployment: "web", Path: "apps/web/k8s", Commit: "c1"}
	v1 := objs(t, "apps/web/k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: golden-diff\n"+
		"  labels: {app: web}\ndata:\n  color: blue\n  size: large\n  greeting: |\n    hello\n    world\n    and more\n")

	p := mustDiff(t, e, ctx, v1, prov)
	if len(p.Changes) != 1 || p.Changes[0].Action != ActionCreate {
		t.Fatalf("want one create, got:\n%s", actions(p))
	}
	golden(t, "diff/create.golden", p.Changes[0].Diff)
	if p.Changes[0].Source != "apps/web/k8s/cm.yaml" {
		t.Errorf("Source = %q", p.Changes[0].Source)
	}
	if v1[0].Obj.GetAnnotations() != nil {
		t.Errorf("Diff modified its input: annotations %v", v1[0].Obj.GetAnnotations())
	}

	res := mustApply(t, e, ctx, p, ApplyOptions{})
	if res.Status != StatusSucceeded || res.Objects[0].Action != ActionCreate {
		t.Fatalf("apply: %+v", res)
	}

	p = mustDiff(t, e, ctx, v1, prov)
	if p.Changes[0].Action != ActionUnchanged || p.Changes[0].Diff != "" {
		t.Fatalf("after apply want unchanged without diff, got %s %q", p.Changes[0].Action, p.Changes[0].Diff)
	}

	v2 := objs(t, "apps/web/k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: golden-diff\n"+
		"  labels: {app: web}\ndata:\n  color: green\n  size: large\n  greeting: |\n    hello\n    world\n    and more\n")
	p = mustDiff(t, e, ctx, v2, prov)
	if p.Changes[0].Action != ActionUpdate {
		t.Fatalf("want update, got %s", p.Changes[0].Action)
	}
	golden(t, "diff/update.golden", p.Changes[0].Diff)
}

func TestDiffDefaultNamespaceAndScope(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	name := uniqueName("defaulted")
	cr := uniqueName("cr")
	in := objs(t, "x.yaml", configMap("", name, nil),
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: "+cr+"\n  namespace: ignored\nrules: []\n")
	p := mustDiff(t, e, ctx, in, Provenance{Deployment: "d", Path: "x"})
	got := actions(p)
	want := "ClusterRole/" + cr + " create\nConfigMap/default/" + name + " create\n"
	if got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	if in[0].Obj.GetNamespace() != "" {
		t.Errorf("Diff modified its input")
	}
	if !strings.Contains(p.Changes[1].Diff, "+++ rigel/v1/ConfigMap/default/"+name) ||
		!strings.Contains(p.Changes[0].Diff, "+++ rigel/rbac.authorization.k8s.io/v1/ClusterRole/"+cr) {
		t.Errorf("diff headers:\n%s\n%s", p.Changes[0].Diff, p.Changes[1].Diff)
	}
}

func TestDiffLiveReadPaths(t *testing.T) {
	// 10 ConfigMaps in one namespace are read with one LIST, 3 in another with GETs; in both,
	// some exist and are unchanged, some exist and change, some are new.
	e := newEngine(t)
	ctx := testCtx(t)
	big, small := newNamespace(t, "list"), newNamespace(t, "a-get")
	prov := Provenance{Deployment: "paths", Path: "p"}
	var first []string
	for i := 0; i < 6; i++ {
		first = append(first, configMap(big, fmt.Sprintf("cm-%02d", i), map[string]string{"v": "1"}))
	}
	first = append(first, configMap(small, "a", map[string]string{"v": "1"}), configMap(small, "b", map[string]string{"v": "1"}))
	if r := mustApply(t, e, ctx, mustDiff(t, e, ctx, objs(t, "f", first...), prov), ApplyOptions{}); r.Status != StatusSucceeded {
		t.Fatalf("setup apply: %+v", r)
	}
	var second []string
	for i := 0; i < 10; i++ {
		v := "1"
		if i%3 == 0 {
			v = "2"
		}
		second = append(second, configMap(big, fmt.Sprintf("cm-%02d", i), map[string]string{"v": v}))
	}
	second = append(second, configMap(small, "a", map[string]string{"v": "1"}), configMap(small, "b", map[string]string{"v": "2"}),
		configMap(small, "c", map[string]string{"v": "1"}))
	p := mustDiff(t, e, ctx, objs(t, "f", second...), prov)
	var want strings.Builder
	fmt.Fprintf(&want, "ConfigMap/%s/a unchanged\nConfigMap/%s/b update\nConfigMap/%s/c create\n", small, small, small)
	for i := 0; i < 10; i++ {
		a := ActionUnchanged
		switch {
		case i >= 6:
			a = ActionCreate
		case i%3 == 0:
			a = ActionUpdate
		}
		fmt.Fprintf(&want, "ConfigMap/%s/cm-%02d %s\n", big, i, a)
	}
	if got := actions(p); got != want.String() {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want.String())
	}
}

func TestDiffErrors(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "errors")
	in := objs(t, "bad.yaml",
		configMap(ns, "Bad_Name", nil),
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: noselector\n  namespace: "+ns+"\nspec:\n  template:\n"+
			"    spec: {containers: [{name: c, image: nginx}]}\n",
		"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: "+ns+"\n",
		configMap("no-such-namespace-x", "orphan", nil),
		configMap(ns, "fine", nil),
	)
	p := mustDiff(t, e, ctx, in, Provenance{Deployment: "errors", Path: "bad"})
	byName := map[string]Change{}
	for _, c := range p.Changes {
		byName[c.Ref.Name] = c
	}
	tests := []struct {
		name, action string
		errHas       []string
	}{
		{"Bad_Name", "error", []string{"Bad_Name", "Invalid value", "RFC 1123"}},
		{"noselector", "error", []string{"spec.selector", "Required value"}},
		{"w", "error", []string{"no kind Widget in group example.com on the cluster: is its CRD installed?"}},
		{"orphan", "error", []string{`namespaces "no-such-namespace-x" not found`}},
		{"fine", "create", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := byName[tt.name]
			if !ok {
				t.Fatalf("no change for %s", tt.name)
			}
			if string(c.Action) != tt.action {
				t.Fatalf("action %s, want %s (err %q)", c.Action, tt.action, c.Err)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(c.Err, s) {
					t.Errorf("Err %q does not contain %q", c.Err, s)
				}
			}
			if tt.action == "error" && c.Diff != "" {
				t.Errorf("an error has a diff: %q", c.Diff)
			}
		})
	}
	if _, _, _, failed := p.Counts(); failed != 4 {
		t.Errorf("Counts: %d failed, want 4", failed)
	}
	// Applying a plan with refused objects applies the others and fails.
	res := mustApply(t, e, ctx, p, ApplyOptions{})
	if res.Status != StatusFailed {
		t.Errorf("status %s, want Failed", res.Status)
	}
	for _, o := range res.Objects {
		want := ActionError
		if o.Ref.Name == "fine" {
			want = ActionCreate
		}
		if o.Action != want {
			t.Errorf("%s: %s, want %s (%s)", o.Ref, o.Action, want, o.Message)
		}
	}
	live(t, ctx, Ref{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "fine"})
}

func TestDiffNamespaceCreatedByPlan(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := uniqueName("planned")
	in := objs(t, "ns.yaml", configMap(ns, "inside", map[string]string{"a": "b"}),
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n",
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: "+ns+"\nstringData:\n  token: planned-secret-value\n")
	p := mustDiff(t, e, ctx, in, Provenance{Deployment: "ns", Path: "ns"})
	want := "Namespace/" + ns + " create\nConfigMap/" + ns + "/inside create\nSecret/" + ns + "/token create\n"
	if got := actions(p); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	if p.Changes[0].Note != "" {
		t.Errorf("the Namespace itself has a note: %q", p.Changes[0].Note)
	}
	for _, c := range p.Changes[1:] {
		if !strings.Contains(c.Note, "namespace "+ns+" is created by this plan") {
			t.Errorf("%s note %q", c.Ref, c.Note)
		}
		if !strings.HasPrefix(c.Diff, "--- /dev/null\n+++ rigel/v1/") || !strings.Contains(c.Diff, "+  namespace: "+ns) {
			t.Errorf("%s diff:\n%s", c.Ref, c.Diff)
		}
	}
	sec := p.Changes[2]
	if sec.Secret == nil || !reflect.DeepEqual(sec.Secret.Added, []string{"token"}) {
		t.Errorf("secret keys %+v", sec.Secret)
	}
	assertNoSecret(t, p, "planned-secret-value")
	res := mustApply(t, e, ctx, p, ApplyOptions{})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", res)
	}
	p = mustDiff(t, e, ctx, in, Provenance{Deployment: "ns", Path: "ns"})
	if c, u, n, f := p.Counts(); n != 3 {
		t.Errorf("after apply: create %d update %d unchanged %d failed %d\n%s", c, u, n, f, actions(p))
	}
}

// assertNoSecret fails when a value, or its base64, appears in any string of v.
func assertNoSecret(t *testing.T, v interface{}, values ...string) {
	t.Helper()
	var forms []string
	for _, s := range values {
		forms = append(forms, s, base64.StdEncoding.EncodeToString([]byte(s)))
	}
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.String:
			for _, f := range forms {
				if strings.Contains(rv.String(), f) {
					t.Errorf("%s holds secret data %q", path, f)
				}
			}
		case reflect.Ptr, reflect.Interface:
			if !rv.IsNil() {
				walk(path, rv.Elem())
			}
		case reflect.Struct:
			for i := 0; i < rv.NumField(); i++ {
				if rv.Type().Field(i).IsExported() {
					walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", path, i), rv.Index(i))
			}
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				walk(path+"[key]", k)
				walk(fmt.Sprintf("%s[%v]", path, k), rv.MapIndex(k))
			}
		}
	}
	walk("", reflect.ValueOf(v))
}

func TestDiffSecretMasking(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "secret")
	prov := Provenance{Deployment: "sec", Path: "s"}
	secret := func(body string) []Object {
		return objs(t, "s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: "+ns+"\n"+body)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	v1 := secret("data:\n  password: " + b64("s3cr3t-old-password") + "\n  user: " + b64("admin-user-name") + "\n")
	p := mustDiff(t, e, ctx, v1, prov)
	if c := p.Changes[0]; c.Action != ActionCreate || !reflect.DeepEqual(c.Secret, &SecretKeys{Added: []string{"password", "user"}}) {
		t.Fatalf("create: %s %+v", c.Action, c.Secret)
	}
	assertNoSecret(t, p, "s3cr3t-old-password", "admin-user-name")
	golden(t, "diff/secret-create.golden", strings.ReplaceAll(p.Changes[0].Diff, ns, "NS"))
	if r := mustApply(t, e, ctx, p, ApplyOptions{}); r.Status != StatusSucceeded {
		t.Fatalf("apply: %+v", r)
	}
	// The same Secret through kubectl-style last-applied annotation must not leak either.
	_, err := theClient.Typed.CoreV1().Secrets(ns).Patch(ctx, "creds", "application/merge-patch+json",
		[]byte(`{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"`+
			b64("s3cr3t-old-password")+`\"}}"}}}`), metav1.PatchOptions{FieldManager: "kubectl"})
	if err != nil {
		t.Fatal(err)
	}

	unchanged := mustDiff(t, e, ctx, v1, prov)
	if c := unchanged.Changes[0]; c.Action != ActionUnchanged || c.Secret == nil ||
		len(c.Secret.Added)+len(c.Secret.Removed)+len(c.Secret.Changed) != 0 {
		t.Errorf("unchanged: %s %+v", c.Action, c.Secret)
	}

	// password changes (given as stringData), user is dropped, token is added.
	v2 := secret("stringData:\n  password: s3cr3t-new-password\n  token: brand-new-token-value\n")
	p = mustDiff(t, e, ctx, v2, prov)
	c := p.Changes[0]
	want := &SecretKeys{Added: []string{"token"}, Removed: []string{"user"}, Changed: []string{"password"}}
	if c.Action != ActionUpdate || !reflect.DeepEqual(c.Secret, want) {
		t.Fatalf("update: %s %+v, want %+v", c.Action, c.Secret, want)
	}
	golden(t, "diff/secret-update.golden", strings.ReplaceAll(c.Diff, ns, "NS"))
	assertNoSecret(t, p, "s3cr3t-old-password", "admin-user-name", "s3cr3t-new-password", "brand-new-token-value")

	// A refused Secret: the error must not carry its values either.
	bad := objs(t, "s/bad.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n  namespace: "+ns+"\n"+
		"type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: 'not-json-secret-material'\n  bad key!: other-secret-material\n")
	p = mustDiff(t, e, ctx, bad, prov)
	if p.Changes[0].Action != ActionError || p.Changes[0].Err == "" {
		t.Fatalf("bad secret: %s %q", p.Changes[0].Action, p.Changes[0].Err)
	}
	assertNoSecret(t, p, "not-json-secret-material", "other-secret-material")
}

func TestSecretErrMessage(t *testing.T) {
	obj := map[string]interface{}{"stringData": map[string]interface{}{"password": "hunter2-value"}}
	r := Ref{Version: "v1", Kind: "Secret", Namespace: "ns", Name: "s"}
	leaky := apierrors.NewInvalid(schema.GroupKind{Kind: "Secret"}, "s", nil)
	leaky.ErrStatus.Message = `Secret "s" is invalid: data[password]: Invalid value: "hunter2-value": too short`
	leaky.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueInvalid, Field: "data[password]", Message: "hunter2-value"}}
	b64 := apierrors.NewBadRequest("cannot use " + base64.StdEncoding.EncodeToString([]byte("hunter2-value")))
	clean := apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "s", fmt.Errorf("no"))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"quotes the value", leaky, "Secret ns/s was refused (Invalid): data[password]: FieldValueInvalid (the apiserver's message is hidden because it quotes Secret data)"},
		{"quotes the base64", b64, "Secret ns/s was refused: the apiserver's message is hidden because it quotes Secret data"},
		{"quotes nothing", clean, clean.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secretErrMessage(tt.err, obj, r); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDigest(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "digest")
	prov := Provenance{Deployment: "dig", Path: "d", Commit: "aaa"}
	in := objs(t, "d/a.yaml", configMap(ns, "a", map[string]string{"k": "1"}), configMap(ns, "b", map[string]string{"k": "1"}),
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: "+ns+"\nstringData: {k: v}\n")
	p1 := mustDiff(t, e, ctx, in, prov)
	if len(p1.Digest) != 64 {
		t.Fatalf("digest %q", p1.Digest)
	}
	if p2 := mustDiff(t, e, ctx, in, prov); p2.Digest != p1.Digest {
		t.Errorf("same input, absent live objects: digest changed")
	}
	mustApply(t, e, ctx, p1, ApplyOptions{})
	applied := mustDiff(t, e, ctx, in, prov)
	if applied.Digest == p1.Digest {
		t.Errorf("live objects appeared but the digest did not change")
	}
	if again := mustDiff(t, e, ctx, in, prov); again.Digest != applied.Digest {
		t.Errorf("nothing changed but the digest did")
	}
	newCommit := prov
	newCommit.Commit = "bbb"
	if p := mustDiff(t, e, ctx, in, newCommit); p.Digest == applied.Digest {
		t.Errorf("new commit, same digest")
	}
	changed := objs(t, "d/a.yaml", configMap(ns, "a", map[string]string{"k": "2"}), configMap(ns, "b", map[string]string{"k": "1"}),
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: "+ns+"\nstringData: {k: v}\n")
	if p := mustDiff(t, e, ctx, changed, prov); p.Digest == applied.Digest {
		t.Errorf("changed folder, same digest")
	}
	// The flow of /rigel apply: preview, someone changes the live object, the fresh plan
	// for the same commit no longer matches the preview.
	cmObj, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmObj.Data["k"] = "edited"
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Update(ctx, cmObj, metav1.UpdateOptions{FieldManager: "someone"}); err != nil {
		t.Fatal(err)
	}
	fresh := mustDiff(t, e, ctx, in, prov)
	if fresh.Digest == applied.Digest {
		t.Errorf("live ConfigMap changed, same digest")
	}
	// A live Secret changed out of band changes the digest too (without its values in it).
	sec, err := theClient.Typed.CoreV1().Secrets(ns).Get(ctx, "s", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sec.Data["k"] = []byte("other")
	if _, err := theClient.Typed.CoreV1().Secrets(ns).Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := mustDiff(t, e, ctx, in, prov); p.Digest == fresh.Digest {
		t.Errorf("live Secret changed, same digest")
	}
}

func TestPlanOrder(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := uniqueName("order")
	group := uniqueName("g") + ".example.com"
	in := objs(t, "o.yaml",
		configMap(ns, "b", nil), configMap(ns, "a", nil),
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: "+ns+"}\nspec:\n  selector: {matchLabels: {app: a}}\n"+
			"  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: nginx}]}\n",
		crdYAML(group, "Gadget", "gadgets"),
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}\n",
		configMap("default", uniqueName("c"), nil),
	)
	p := mustDiff(t, e, ctx, in, Provenance{Deployment: "o", Path: "o"})
	var kinds []string
	for _, c := range p.Changes {
		kinds = append(kinds, c.Ref.Kind+"/"+c.Ref.Namespace+"/"+strings.Split(c.Ref.Name, "-")[0])
	}
	want := []string{"Namespace//" + strings.Split(ns, "-")[0], "CustomResourceDefinition//gadgets.g", "ConfigMap/default/c",
		"ConfigMap/" + ns + "/a", "ConfigMap/" + ns + "/b", "Deployment/" + ns + "/a"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("order:\n%q\nwant\n%q", kinds, want)
	}
}

func crdYAML(group, kind, plural string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[3]s.%[1]s
spec:
  group: %[1]s
  names: {kind: %[2]s, plural: %[3]s, singular: %[4]s, listKind: %[2]sList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 3}
              color: {type: string}
`, group, kind, plural, strings.ToLower(kind))
}

var _ = unstructured.Unstructured{}
