package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

var testClient *Client

func TestMain(m *testing.M) {
	os.Exit(func() int {
		c, err := testenv.StartCluster()
		if err != nil {
			fmt.Fprintln(os.Stderr, "kube:", err)
			return 1
		}
		defer c.Stop()
		if testClient, err = New(c.Config); err != nil {
			fmt.Fprintln(os.Stderr, "kube:", err)
			return 1
		}
		return m.Run()
	}())
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newNamespace(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if _, err := testClient.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func podTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "w"}, Annotations: map[string]string{"tmpl": "keep"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: "nginx:1.27"}}},
	}
}

var selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "w"}}

// createWorkload creates one workload of kind with a label and an annotation of its own.
func createWorkload(t *testing.T, ctx context.Context, kind, ns, name string, annotations map[string]string) {
	t.Helper()
	meta := metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"owner": "ops"}}
	for k, v := range annotations {
		meta.Annotations[k] = v
	}
	var err error
	apps := testClient.Typed.AppsV1()
	switch kind {
	case "Deployment":
		_, err = apps.Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: selector, Template: podTemplate()}}, metav1.CreateOptions{})
	case "StatefulSet":
		_, err = apps.StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: selector, Template: podTemplate()}}, metav1.CreateOptions{})
	case "DaemonSet":
		_, err = apps.DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: selector, Template: podTemplate()}}, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot is what must not move when annotating: generation, spec, labels, the template.
type snapshot struct {
	generation  int64
	spec        any
	labels      map[string]string
	annotations map[string]string
}

func snap(t *testing.T, ctx context.Context, kind, ns, name string) snapshot {
	t.Helper()
	apps := testClient.Typed.AppsV1()
	switch kind {
	case "Deployment":
		o, err := apps.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return snapshot{o.Generation, o.Spec, o.Labels, o.Annotations}
	case "StatefulSet":
		o, err := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return snapshot{o.Generation, o.Spec, o.Labels, o.Annotations}
	default:
		o, err := apps.DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return snapshot{o.Generation, o.Spec, o.Labels, o.Annotations}
	}
}

func TestWorkloadKind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"deployment", "Deployment"}, {"Deploy", "Deployment"}, {"STS", "StatefulSet"}, {"statefulset", "StatefulSet"},
		{"ds", "DaemonSet"}, {"DaemonSet", "DaemonSet"}, {"pod", ""}, {"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := WorkloadKind(tc.in)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("WorkloadKind(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestAnnotateChangesOnlyAnnotations(t *testing.T) {
	ctx := testCtx(t)
	ns := "annotate"
	newNamespace(t, ctx, ns)
	for _, kind := range WorkloadKinds {
		t.Run(kind, func(t *testing.T) {
			ref := WorkloadRef{Kind: kind, Namespace: ns, Name: "w-" + map[string]string{"Deployment": "d", "StatefulSet": "s", "DaemonSet": "x"}[kind]}
			createWorkload(t, ctx, kind, ns, ref.Name, nil)
			before := snap(t, ctx, kind, ns, ref.Name)
			w, err := testClient.GetWorkload(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if err := testClient.Annotate(ctx, ref, w.ResourceVersion, map[string]string{"example.dev/a": "1", "example.dev/b": "x/y"}); err != nil {
				t.Fatal(err)
			}
			after := snap(t, ctx, kind, ns, ref.Name)
			// The apiserver bumps a Deployment's generation when its annotations change (the
			// controller copies them to the ReplicaSet); its spec and template stay, so nothing
			// rolls out. StatefulSets and DaemonSets keep their generation.
			wantGen := before.generation
			if kind == "Deployment" {
				wantGen++
			}
			if after.generation != wantGen || !reflect.DeepEqual(after.spec, before.spec) || !reflect.DeepEqual(after.labels, before.labels) {
				t.Fatalf("annotating changed more than annotations: generation %d → %d, spec equal %v, labels %v → %v",
					before.generation, after.generation, reflect.DeepEqual(after.spec, before.spec), before.labels, after.labels)
			}
			want := map[string]string{"example.dev/a": "1", "example.dev/b": "x/y"}
			for k, v := range before.annotations {
				want[k] = v
			}
			if !reflect.DeepEqual(after.annotations, want) {
				t.Fatalf("annotations = %v, want %v", after.annotations, want)
			}
			// a stale resource version is a conflict and changes nothing
			err = testClient.Annotate(ctx, ref, w.ResourceVersion, map[string]string{"example.dev/a": "2"})
			if !apierrors.IsConflict(err) {
				t.Fatalf("stale resourceVersion: err = %v, want a conflict", err)
			}
			if err := testClient.Annotate(ctx, ref, "", nil, "example.dev/a", "example.dev/b", "example.dev/absent"); err != nil {
				t.Fatal(err)
			}
			removed := snap(t, ctx, kind, ns, ref.Name)
			if !reflect.DeepEqual(removed.annotations, before.annotations) || !reflect.DeepEqual(removed.spec, before.spec) || removed.generation != wantGen+(wantGen-before.generation) {
				t.Fatalf("after removing: annotations %v (were %v), generation %d (was %d)", removed.annotations, before.annotations, removed.generation, before.generation)
			}
		})
	}
}

func TestMissingWorkload(t *testing.T) {
	ctx := testCtx(t)
	ref := WorkloadRef{Kind: "StatefulSet", Namespace: "default", Name: "nothing-here"}
	var nf *fault.NotFound
	if _, err := testClient.GetWorkload(ctx, ref); !errors.As(err, &nf) || (WorkloadRef{Kind: nf.Kind, Namespace: nf.Namespace, Name: nf.Name}) != ref {
		t.Fatalf("GetWorkload: err = %v, want a fault.NotFound of %s", err, ref)
	}
	if err := testClient.Annotate(ctx, ref, "", map[string]string{"a": "b"}); !fault.IsNotFound(err, ref.Kind) {
		t.Fatalf("Annotate: err = %v, want a fault.NotFound", err)
	}
	if _, err := testClient.GetWorkload(ctx, WorkloadRef{Kind: "Pod", Namespace: "default", Name: "x"}); err == nil {
		t.Fatal("GetWorkload of a Pod: no error")
	}
}

func TestFindWorkloads(t *testing.T) {
	ctx := testCtx(t)
	const key = "find.example.dev/source"
	for _, ns := range []string{"find-a", "find-b"} {
		newNamespace(t, ctx, ns)
	}
	createWorkload(t, ctx, "DaemonSet", "find-a", "agent", map[string]string{key: "web"})
	createWorkload(t, ctx, "Deployment", "find-b", "web", map[string]string{key: "web"})
	createWorkload(t, ctx, "Deployment", "find-a", "web", map[string]string{key: "web"})
	createWorkload(t, ctx, "StatefulSet", "find-a", "db", map[string]string{key: "api"})
	createWorkload(t, ctx, "Deployment", "find-a", "plain", nil)
	got, err := testClient.FindWorkloads(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]WorkloadRef{
		"web": {{"Deployment", "find-a", "web"}, {"Deployment", "find-b", "web"}, {"DaemonSet", "find-a", "agent"}},
		"api": {{"StatefulSet", "find-a", "db"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FindWorkloads = %v, want %v", got, want)
	}
}
