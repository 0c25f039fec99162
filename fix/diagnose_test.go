package fix

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	gosync "sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// The cluster starts with the first test that needs it: the golden tests of Plan do not.
var (
	clusterOnce gosync.Once
	cluster     *testenv.Cluster
	kc          *kube.Client
	clusterErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}

func testKube(t *testing.T) (*kube.Client, context.Context) {
	t.Helper()
	clusterOnce.Do(func() {
		if cluster, clusterErr = testenv.StartCluster(); clusterErr == nil {
			kc, clusterErr = kube.New(cluster.Config)
		}
	})
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return kc, ctx
}

// world creates workloads, their pods, ReplicaSets and ControllerRevisions and events in one
// namespace, playing the controllers and kubelets the test bed does not run.
type world struct {
	t   *testing.T
	ctx context.Context
	kc  *kube.Client
	ns  string
}

func newWorld(t *testing.T, ns string) *world {
	kc, ctx := testKube(t)
	if _, err := kc.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ctx: ctx, kc: kc, ns: ns}
}

var webLabels = map[string]string{"app": "web"}

func template(containers ...corev1.Container) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: webLabels}, Spec: corev1.PodSpec{Containers: containers}}
}

func (w *world) deployment(name string, tmpl corev1.PodTemplateSpec) *appsv1.Deployment {
	three := int32(3)
	d, err := w.kc.Typed.AppsV1().Deployments(w.ns).Create(w.ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec:       appsv1.DeploymentSpec{Replicas: &three, Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// replicaSet creates a ReplicaSet of d at revision with ready pods, as the Deployment
// controller leaves it.
func (w *world) replicaSet(d *appsv1.Deployment, name string, revision int, tmpl corev1.PodTemplateSpec, ready int32) {
	ctrl := true
	tmpl = *tmpl.DeepCopy()
	tmpl.Labels["pod-template-hash"] = name
	rs, err := w.kc.Typed.AppsV1().ReplicaSets(w.ns).Create(w.ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns, Labels: tmpl.Labels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": fmt.Sprint(revision)},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &ctrl}}},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	rs.Status = appsv1.ReplicaSetStatus{Replicas: ready, ReadyReplicas: ready, AvailableReplicas: ready}
	if _, err := w.kc.Typed.AppsV1().ReplicaSets(w.ns).UpdateStatus(w.ctx, rs, metav1.UpdateOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

// pod creates a pod of the workload and writes the status its kubelet would.
func (w *world) pod(name string, labels map[string]string, status ...corev1.ContainerStatus) *corev1.Pod {
	all := map[string]string{}
	for k, v := range webLabels {
		all[k] = v
	}
	for k, v := range labels {
		all[k] = v
	}
	var cs []corev1.Container
	for _, s := range status {
		cs = append(cs, corev1.Container{Name: s.Name, Image: s.Image})
	}
	p, err := w.kc.Typed.CoreV1().Pods(w.ns).Create(w.ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns, Labels: all},
		Spec: corev1.PodSpec{Containers: cs}}, metav1.CreateOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	if p, err = testenv.WritePodStatus(w.ctx, w.kc.Typed, p, status...); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) event(p *corev1.Pod, container, typ, reason, message string, count int32) {
	if err := testenv.KubeletEvent(w.ctx, w.kc.Typed, p, container, typ, reason, message, count); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) diagnose(kind, name string) *Diagnosis {
	d, err := Diagnose(w.ctx, w.kc, kube.WorkloadRef{Kind: kind, Namespace: w.ns, Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

func limits(memory string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memory)}}
}

// checkDiagnosis compares edits and rule exactly and wants each of findings in some finding.
func checkDiagnosis(t *testing.T, d *Diagnosis, edits []Edit, rule string, findings ...string) {
	t.Helper()
	var lines []string
	for _, f := range d.Findings {
		lines = append(lines, f.Markdown())
	}
	all := strings.Join(lines, "\n")
	if !reflect.DeepEqual(d.Edits, edits) && !(len(d.Edits) == 0 && len(edits) == 0) {
		t.Errorf("edits %+v, want %+v\nfindings:\n%s", d.Edits, edits, all)
	}
	if d.Rule != rule {
		t.Errorf("rule %q, want %q", d.Rule, rule)
	}
	for _, f := range findings {
		if !strings.Contains(all, f) {
			t.Errorf("findings do not say %q:\n%s", f, all)
		}
	}
}

func TestDiagnoseOOMKilled(t *testing.T) {
	w := newWorld(t, "diag-oom")
	app := corev1.Container{Name: "app", Image: "acme/web:2", Resources: limits("128Mi")}
	worker := corev1.Container{Name: "worker", Image: "acme/worker:2", Resources: limits("1G")}
	sidecar := corev1.Container{Name: "sidecar", Image: "acme/side:1"}
	w.deployment("web", template(app, worker, sidecar))
	w.pod("web-1", nil, testenv.ContainerOOMKilled("app", app.Image, 3), testenv.ContainerRunning("worker", worker.Image), testenv.ContainerOOMKilled("sidecar", sidecar.Image, 1))
	w.pod("web-2", nil, testenv.ContainerOOMKilled("app", app.Image, 2), testenv.ContainerOOMKilled("worker", worker.Image, 1), testenv.ContainerRunning("sidecar", sidecar.Image))
	w.pod("web-3", nil, testenv.ContainerRunning("app", app.Image), testenv.ContainerRunning("worker", worker.Image), testenv.ContainerRunning("sidecar", sidecar.Image))

	d := w.diagnose("Deployment", "web")
	checkDiagnosis(t, d,
		[]Edit{{Field: "memory", Value: "256Mi", Container: "app"}, {Field: "memory", Value: "1908Mi", Container: "worker"}},
		RuleOOM,
		"Deployment `web` in namespace `diag-oom` has 3 pods, 1 ready (it asks for 3).",
		"Container `app` was OOMKilled (killed for running out of memory) in 2 of 3 pods (5 restarts in all) with a memory limit of 128Mi: Rigel proposes 256Mi, double the limit rounded up to a whole Mi.",
		// 2 × 1G = 2000000000 bytes = 1907.3… Mi
		"Container `worker` was OOMKilled (killed for running out of memory) in 1 of 3 pods (1 restart in all) with a memory limit of 1G: Rigel proposes 1908Mi",
		"Container `sidecar` was OOMKilled (killed for running out of memory) in 1 of 3 pods (1 restart in all), and it has no memory limit",
	)
}

func TestDiagnoseImagePull(t *testing.T) {
	t.Run("Deployment", func(t *testing.T) {
		w := newWorld(t, "diag-pull")
		good := template(corev1.Container{Name: "app", Image: "nginx:1.25"})
		older := template(corev1.Container{Name: "app", Image: "nginx:1.24"})
		bad := template(corev1.Container{Name: "app", Image: "nginx:1.99"})
		d := w.deployment("web", bad)
		w.replicaSet(d, "web-older", 1, older, 0)
		w.replicaSet(d, "web-good", 2, good, 2)
		w.replicaSet(d, "web-bad", 3, bad, 0)
		w.pod("web-good-a", nil, testenv.ContainerRunning("app", "nginx:1.25"))
		p := w.pod("web-bad-a", nil, testenv.ContainerWaiting("app", "nginx:1.99", "ImagePullBackOff", `Back-off pulling image "nginx:1.99"`))
		w.event(p, "app", "Warning", "Failed", `Failed to pull image "nginx:1.99": rpc error: code = NotFound desc = manifest unknown`, 3)
		checkDiagnosis(t, w.diagnose("Deployment", "web"),
			[]Edit{{Field: "image", Value: "nginx:1.25", Container: "app"}}, RuleTag,
			"Container `app` cannot pull image `nginx:1.99`: 1 of 2 pods wait with ImagePullBackOff (Back-off pulling image \"nginx:1.99\"). Its tag `1.99` does not exist in the image's registry. The last image that ran is `nginx:1.25` (ReplicaSet `web-good`, revision 2, 2 pods ready): Rigel proposes going back to it.")
	})
	t.Run("StatefulSet", func(t *testing.T) {
		w := newWorld(t, "diag-pull-sts")
		bad := template(corev1.Container{Name: "db", Image: "postgres:99"})
		s, err := w.kc.Typed.AppsV1().StatefulSets(w.ns).Create(w.ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: w.ns},
			Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: bad}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctrl := true
		for i, img := range []string{"postgres:16", "postgres:99"} {
			data := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"db","image":"` + img + `"}]},"$patch":"replace"}}}`)
			if _, err := w.kc.Typed.AppsV1().ControllerRevisions(w.ns).Create(w.ctx, &appsv1.ControllerRevision{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("db-%d", i+1), Namespace: w.ns, Labels: webLabels,
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: s.UID, Controller: &ctrl}}},
				Data: runtime.RawExtension{Raw: data}, Revision: int64(i + 1)}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		s.Status = appsv1.StatefulSetStatus{Replicas: 2, CurrentRevision: "db-1", UpdateRevision: "db-2"}
		if _, err := w.kc.Typed.AppsV1().StatefulSets(w.ns).UpdateStatus(w.ctx, s, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		w.pod("db-0", map[string]string{"controller-revision-hash": "db-1"}, testenv.ContainerRunning("db", "postgres:16"))
		p := w.pod("db-1", map[string]string{"controller-revision-hash": "db-2"}, testenv.ContainerWaiting("db", "postgres:99", "ErrImagePull", "pull access denied, repository does not exist or may require authorization"))
		w.event(p, "db", "Warning", "Failed", "Error: ErrImagePull", 1)
		checkDiagnosis(t, w.diagnose("StatefulSet", "db"),
			[]Edit{{Field: "image", Value: "postgres:16", Container: "db"}}, RulePull,
			"The last image that ran is `postgres:16` (ControllerRevision `db-1`, revision 1, 1 pod ready)")
	})
	t.Run("no earlier image", func(t *testing.T) {
		w := newWorld(t, "diag-pull-first")
		bad := template(corev1.Container{Name: "app", Image: "nginx:1.99"})
		d := w.deployment("web", bad)
		w.replicaSet(d, "web-bad", 1, bad, 0)
		w.pod("web-bad-a", nil, testenv.ContainerWaiting("app", "nginx:1.99", "ErrImagePull", "not found"))
		checkDiagnosis(t, w.diagnose("Deployment", "web"), nil, "",
			"No earlier revision of Deployment ran it with another image, so Rigel has no image to go back to.",
			"Rigel has no fix to propose for this.")
	})
}

func TestDiagnoseProbePort(t *testing.T) {
	w := newWorld(t, "diag-probe")
	app := corev1.Container{Name: "app", Image: "acme/web:2",
		Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8081)}}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(9999)}}},
	}
	api := corev1.Container{Name: "api", Image: "acme/api:2",
		Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}, {Name: "metrics", ContainerPort: 9090}, {Name: "healthz", ContainerPort: 8086}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("health")}}},
	}
	other := corev1.Container{Name: "other", Image: "acme/other:1",
		Ports:         []corev1.ContainerPort{{ContainerPort: 7000}, {ContainerPort: 7001}},
		LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(7002)}}},
	}
	w.deployment("web", template(app, api, other))
	notReady := func(s corev1.ContainerStatus) corev1.ContainerStatus { s.Ready = false; return s }
	p := w.pod("web-1", nil, notReady(testenv.ContainerRunning("app", app.Image)), notReady(testenv.ContainerRunning("api", api.Image)), notReady(testenv.ContainerRunning("other", other.Image)))
	w.event(p, "app", "Warning", "Unhealthy", "Liveness probe failed: Get \"http://10.0.0.7:8081/healthz\": dial tcp 10.0.0.7:8081: connect: connection refused", 12)
	w.event(p, "api", "Warning", "Unhealthy", "Readiness probe failed: Get \"http://10.0.0.7:0/ready\": no port named health", 5)
	w.event(p, "other", "Warning", "Unhealthy", "Liveness probe failed: connection refused", 2)
	checkDiagnosis(t, w.diagnose("Deployment", "web"),
		[]Edit{{Field: "probe", Key: "liveness", Value: "8080", Container: "app"}, {Field: "probe", Key: "readiness", Value: "healthz", Container: "api"}},
		RuleProbe,
		"The liveness probe of container `app` failed 12 times on port 8081 (Liveness probe failed: Get \"http:\u200d//10.0.0.7:8081/healthz\": dial tcp 10.0.0.7:8081: connect: connection refused), which the container does not declare (it declares 8080 (http)): Rigel proposes port 8080.",
		// declared ports are informational: no failures, no change
		"The readiness probe of container `app` targets port 9999, which the container does not declare (it declares 8080 (http)), but Rigel saw no failures of it.",
		"The readiness probe of container `api` failed 5 times on port health",
		"Rigel proposes port healthz.",
		"The liveness probe of container `other` failed 2 times on port 7002 (Liveness probe failed: connection refused), which the container does not declare (it declares 7000, 7001). Rigel cannot tell which declared port the probe should use",
	)
}

func TestDiagnoseNothingRecognised(t *testing.T) {
	w := newWorld(t, "diag-none")
	app := corev1.Container{Name: "app", Image: "acme/web:2"}
	w.deployment("web", template(app))
	// A container that does not start for a reason no rule knows (a crash loop is known:
	// rule_crashloop.go).
	stuck := testenv.ContainerWaiting("app", app.Image, "RunContainerError", "failed to create containerd task: unknown runtime")
	stuck.RestartCount = 9
	p := w.pod("web-1", nil, stuck)
	w.pod("web-2", nil, testenv.ContainerRunning("app", app.Image))
	w.event(p, "app", "Warning", "Failed", "Error: failed to create containerd task: unknown runtime", 40)
	checkDiagnosis(t, w.diagnose("Deployment", "web"), nil, "",
		"Deployment `web` in namespace `diag-none` has 2 pods, 1 ready (it asks for 3).",
		"Container `app` is waiting with RunContainerError in 1 of 2 pods (9 restarts in all): failed to create containerd task: unknown runtime.",
		"Warning event Failed, seen 40 times: Error: failed to create containerd task: unknown runtime",
		"it saw none of these, so it has no fix to propose.")

	t.Run("healthy", func(t *testing.T) {
		w := newWorld(t, "diag-healthy")
		w.deployment("web", template(app))
		w.pod("web-1", nil, testenv.ContainerRunning("app", app.Image))
		checkDiagnosis(t, w.diagnose("Deployment", "web"), nil, "",
			"Its containers are running and ready, and it has no warning events.", "it saw none of these")
	})
	t.Run("missing", func(t *testing.T) {
		_, err := Diagnose(w.ctx, w.kc, kube.WorkloadRef{Kind: "Deployment", Namespace: w.ns, Name: "absent"})
		if !fault.IsNotFound(err, "Deployment") {
			t.Fatalf("err = %v, want a fault.NotFound", err)
		}
	})
}
