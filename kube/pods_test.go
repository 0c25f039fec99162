package kube

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

func tmplWith(image string, extra map[string]string) corev1.PodTemplateSpec {
	labels := map[string]string{"app": "w"}
	for k, v := range extra {
		labels[k] = v
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: image}}},
	}
}

// createPod creates a pod with labels (as the workload's controller would) and writes its
// status as a kubelet would.
func createPod(t *testing.T, ctx context.Context, ns, name string, labels map[string]string, status ...corev1.ContainerStatus) *corev1.Pod {
	t.Helper()
	p, err := testClient.Typed.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: "nginx"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(status) > 0 {
		if p, err = testenv.WritePodStatus(ctx, testClient.Typed, p, status...); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestWorkloadStateDeployment(t *testing.T) {
	ctx := testCtx(t)
	ns := "state-deploy"
	newNamespace(t, ctx, ns)
	apps := testClient.Typed.AppsV1()
	d, err := apps.Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec:       appsv1.DeploymentSpec{Selector: selector, Template: tmplWith("nginx:9.99", nil)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctrl := true
	own := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID, Controller: &ctrl}}
	// ReplicaSets as the Deployment controller leaves them after two rollouts; the newest
	// carries the Deployment's template (and its own pod-template-hash label).
	for _, rs := range []struct {
		name, image, revision string
		ready                 int32
		owned                 bool
	}{
		{"web-old", "nginx:1.24", "1", 0, true},
		{"web-good", "nginx:1.25", "2", 2, true},
		{"web-new", "nginx:9.99", "3", 0, true},
		{"stranger", "nginx:1.0", "9", 3, false},
	} {
		tmpl := tmplWith(rs.image, map[string]string{"pod-template-hash": rs.name})
		obj := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: rs.name, Namespace: ns, Labels: tmpl.Labels, Annotations: map[string]string{"deployment.kubernetes.io/revision": rs.revision}},
			Spec:       appsv1.ReplicaSetSpec{Selector: selector, Template: tmpl},
		}
		if rs.owned {
			obj.OwnerReferences = own
		}
		created, err := apps.ReplicaSets(ns).Create(ctx, obj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status = appsv1.ReplicaSetStatus{Replicas: rs.ready, ReadyReplicas: rs.ready, AvailableReplicas: rs.ready}
		if _, err := apps.ReplicaSets(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	good := createPod(t, ctx, ns, "web-good-1", map[string]string{"app": "w"}, testenv.ContainerRunning("w", "nginx:1.25"))
	bad := createPod(t, ctx, ns, "web-new-1", map[string]string{"app": "w"},
		testenv.ContainerWaiting("w", "nginx:9.99", "ImagePullBackOff", `Back-off pulling image "nginx:9.99"`))
	createPod(t, ctx, ns, "other", map[string]string{"app": "other"})
	if err := testenv.KubeletEvent(ctx, testClient.Typed, bad, "w", "Warning", "Failed", `Failed to pull image "nginx:9.99": not found`, 4); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // events are ordered by their second-resolution timestamps
	if err := testenv.KubeletEvent(ctx, testClient.Typed, bad, "w", "Normal", "BackOff", `Back-off pulling image "nginx:9.99"`, 7); err != nil {
		t.Fatal(err)
	}
	if err := testenv.KubeletEvent(ctx, testClient.Typed, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: ns}}, "w", "Warning", "Unrelated", "x", 1); err != nil {
		t.Fatal(err)
	}

	st, err := testClient.WorkloadState(ctx, WorkloadRef{Kind: "Deployment", Namespace: ns, Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Template.Spec.Containers[0].Image != "nginx:9.99" || st.Replicas == nil {
		t.Fatalf("template %v, replicas %v", st.Template.Spec.Containers, st.Replicas)
	}
	var pods []string
	for _, p := range st.Pods {
		pods = append(pods, p.Name)
	}
	if want := []string{good.Name, bad.Name}; !reflect.DeepEqual(pods, want) {
		t.Fatalf("pods %v, want %v", pods, want)
	}
	if cs := st.Pods[1].Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "ImagePullBackOff" {
		t.Fatalf("status of %s = %+v, want the kubelet's ImagePullBackOff", bad.Name, cs)
	}
	var reasons []string
	for _, e := range st.Events {
		reasons = append(reasons, e.Reason)
	}
	if want := []string{"Failed", "BackOff"}; !reflect.DeepEqual(reasons, want) {
		t.Fatalf("events %v, want %v (oldest first, only the workload's pods)", reasons, want)
	}
	want := []Revision{
		{Name: "web-new", Number: 3, Current: true, Images: map[string]string{"w": "nginx:9.99"}},
		{Name: "web-good", Number: 2, Images: map[string]string{"w": "nginx:1.25"}, Ready: 2},
		{Name: "web-old", Number: 1, Images: map[string]string{"w": "nginx:1.24"}},
	}
	if !reflect.DeepEqual(st.History, want) {
		t.Fatalf("history\n%+v\nwant\n%+v", st.History, want)
	}
}

func TestWorkloadStateControllerRevisions(t *testing.T) {
	ctx := testCtx(t)
	ns := "state-revisions"
	newNamespace(t, ctx, ns)
	apps := testClient.Typed.AppsV1()
	for _, kind := range []string{"StatefulSet", "DaemonSet"} {
		t.Run(kind, func(t *testing.T) {
			name := map[string]string{"StatefulSet": "db", "DaemonSet": "agent"}[kind]
			tmpl := tmplWith("postgres:99", nil)
			var obj metav1.Object
			var err error
			switch kind {
			case "StatefulSet":
				obj, err = apps.StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
					Spec: appsv1.StatefulSetSpec{Selector: selector, Template: tmpl}}, metav1.CreateOptions{})
			default:
				obj, err = apps.DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
					Spec: appsv1.DaemonSetSpec{Selector: selector, Template: tmpl}}, metav1.CreateOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
			ctrl := true
			own := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: obj.GetUID(), Controller: &ctrl}}
			for _, r := range []struct {
				hash, image string
				n           int64
			}{{"aaa", "postgres:15", 1}, {"bbb", "postgres:16", 2}, {"ccc", "postgres:99", 3}} {
				data := []byte(`{"spec":{"template":{"metadata":{"labels":{"app":"w"}},"spec":{"containers":[{"name":"w","image":"` + r.image + `"}]},"$patch":"replace"}}}`)
				if _, err := apps.ControllerRevisions(ns).Create(ctx, &appsv1.ControllerRevision{
					ObjectMeta: metav1.ObjectMeta{Name: name + "-" + r.hash, Namespace: ns, Labels: map[string]string{"app": "w"}, OwnerReferences: own},
					Data:       runtime.RawExtension{Raw: data}, Revision: r.n,
				}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if kind == "StatefulSet" {
				s, err := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				s.Status = appsv1.StatefulSetStatus{Replicas: 2, CurrentRevision: name + "-bbb", UpdateRevision: name + "-ccc"}
				if _, err := apps.StatefulSets(ns).UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			// A StatefulSet's pods carry the revision's name; a DaemonSet's only its hash.
			hash := func(h string) string {
				if kind == "StatefulSet" {
					return name + "-" + h
				}
				return h
			}
			createPod(t, ctx, ns, name+"-0", map[string]string{"app": "w", "controller-revision-hash": hash("bbb")}, testenv.ContainerRunning("w", "postgres:16"))
			createPod(t, ctx, ns, name+"-1", map[string]string{"app": "w", "controller-revision-hash": hash("ccc")},
				testenv.ContainerWaiting("w", "postgres:99", "ErrImagePull", "manifest unknown"))
			defer func() {
				for _, p := range []string{name + "-0", name + "-1"} {
					_ = testClient.Typed.CoreV1().Pods(ns).Delete(ctx, p, metav1.DeleteOptions{})
				}
			}()
			st, err := testClient.WorkloadState(ctx, WorkloadRef{Kind: kind, Namespace: ns, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			want := []Revision{
				{Name: name + "-ccc", Number: 3, Current: true, Images: map[string]string{"w": "postgres:99"}},
				{Name: name + "-bbb", Number: 2, Images: map[string]string{"w": "postgres:16"}, Ready: 1},
				{Name: name + "-aaa", Number: 1, Images: map[string]string{"w": "postgres:15"}},
			}
			if !reflect.DeepEqual(st.History, want) {
				t.Fatalf("history\n%+v\nwant\n%+v", st.History, want)
			}
			if len(st.Pods) != 2 {
				t.Fatalf("%d pods, want 2", len(st.Pods))
			}
		})
	}
}

func TestWorkloadStateMissing(t *testing.T) {
	ctx := testCtx(t)
	var nf *fault.NotFound
	if _, err := testClient.WorkloadState(ctx, WorkloadRef{Kind: "Deployment", Namespace: "default", Name: "absent"}); !errors.As(err, &nf) || nf.Kind != "Deployment" || nf.Name != "absent" || nf.Namespace != "default" {
		t.Fatalf("err = %v, want a fault.NotFound of Deployment absent in default", err)
	}
	if _, err := testClient.WorkloadState(ctx, WorkloadRef{Kind: "Job", Namespace: "default", Name: "x"}); err == nil {
		t.Fatal("a Job: no error")
	}
}
