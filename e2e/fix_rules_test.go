package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// The rules of issue 16, each from a recorded kind of failure (pods and events written as the
// kubelet and the scheduler would, logs served by the test bed's kubelet stand-in through the
// real apiserver) to Rigel's reply, and to a pull request when the rule has an edit.

// ruleEnv registers folder apps/web/k8s holding manifest (of the bot's namespace) and creates
// its Deployment web, linked, with pod spec spec as the cluster has it.
func ruleEnv(t *testing.T, manifest func(ns string) string, spec corev1.PodSpec) *fixEnv {
	t.Helper()
	e := newFixEnv(t, func(ns string) map[string]string {
		return map[string]string{"apps/web/k8s/deploy.yaml": manifest(ns)}
	}, "apps/web/k8s")
	replicas := int32(2)
	labels := map[string]string{"app": "web"}
	if _, err := kc.Typed.AppsV1().Deployments(e.ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: e.ns, Annotations: map[string]string{annRepo: e.dep, annPath: "apps/web/k8s"}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// rulePod creates pod name of Deployment web with spec (on node when not "") and writes the
// container statuses its kubelet would report.
func rulePod(t *testing.T, ns, name, node string, spec corev1.PodSpec, status ...corev1.ContainerStatus) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	spec = *spec.DeepCopy()
	spec.NodeName = node
	p, err := kc.Typed.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}}, Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(status) > 0 {
		if p, err = testenv.WritePodStatus(ctx, kc.Typed, p, status...); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// noFixReply checks a reply that says what Rigel saw and proposes nothing, and that no branch
// or pull request was made.
func noFixReply(t *testing.T, e *fixEnv, got string, before []string) {
	t.Helper()
	mustContain(t, got, "🔍 Rigel found nothing it has a fix for on Deployment `web`", "**What Rigel saw:**", "Nothing was changed")
	mustNotContain(t, got, "Opened", "❌")
	if len(fixPulls(e.r)) != 0 || len(branches(t, e.r)) != len(before) {
		t.Fatal("no edit proposed, yet a branch or PR was made")
	}
}

func webYAML(ns, container string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ` + ns + `
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
` + container
}

// TestFixRuleCrashLoop: a crash-looping container's exit code and the tail of its previous
// run's logs (pods/log?previous=true through the apiserver) are in the reply, the values of
// the Secrets the pod reads masked; nothing is proposed.
func TestFixRuleCrashLoop(t *testing.T) {
	const password = "hunter2-s3cr3t"
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "ghcr.io/acme/checkout:2.4.1",
		Env: []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}}}}}}
	e := ruleEnv(t, func(ns string) string {
		return webYAML(ns, `        - name: web
          image: ghcr.io/acme/checkout:2.4.1
          env:
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
`)
	}, spec)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	kubelet, err := testenv.StartKubelet(ctx, kc.Typed, unique("node-crash-"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kc.Typed.CoreV1().Nodes().Delete(context.Background(), kubelet.Node, metav1.DeleteOptions{})
	})
	if _, err := kc.Typed.CoreV1().Secrets(e.ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: e.ns},
		Data: map[string][]byte{"password": []byte(password)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crashed := func(restarts int32) corev1.ContainerStatus {
		s := testenv.ContainerWaiting("web", "ghcr.io/acme/checkout:2.4.1", "CrashLoopBackOff", "back-off 5m0s restarting failed container=web")
		s.RestartCount = restarts
		s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error", StartedAt: metav1.Now(), FinishedAt: metav1.Now()}
		return s
	}
	rulePod(t, e.ns, "web-a", kubelet.Node, spec, crashed(2))
	worst := rulePod(t, e.ns, "web-b", kubelet.Node, spec, crashed(7))
	var log strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&log, "line %d: retrying\n", i)
	}
	log.WriteString("connecting with password " + password + "\x1b[31m\n")
	log.WriteString("FATAL: cannot open config /etc/checkout.yaml\n")
	kubelet.SetLog(e.ns, worst.Name, "web", true, log.String())
	kubelet.SetLog(e.ns, worst.Name, "web", false, "the current run, which must not be shown\n")
	if err := testenv.KubeletEvent(ctx, kc.Typed, worst, "web", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container web in pod web-b", 30); err != nil {
		t.Fatal(err)
	}

	bs := branches(t, e.r)
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	noFixReply(t, e, got, bs)
	mustContain(t, got, "Container `web` is crash-looping", "(9 restarts in all)", "its last run in pod `web-b` exited with code 3 (Error)",
		"The last lines of that run's logs (pod `web-b`, at most 20 lines; Secret values masked):", "```text",
		"connecting with password ***", "FATAL: cannot open config /etc/checkout.yaml", "line 13: retrying", "Rigel has no fix to propose for this.")
	// The tail is bounded (the last 20 lines), the current run is not the previous one, the
	// Secret's value and the terminal escape are gone.
	mustNotContain(t, got, password, "line 12: retrying", "the current run", "\x1b")
}

// TestFixRuleMissingConfig: a container that cannot start for a missing key of a ConfigMap and
// a volume of a missing Secret are named (key names only, never a value); each is one or two
// letters from exactly one that exists, so a PR renames both references.
func TestFixRuleMissingConfig(t *testing.T) {
	spec := corev1.PodSpec{
		Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27",
			Env:          []corev1.EnvVar{{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}, Key: "log_levle"}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "tls", MountPath: "/tls"}}}},
		Volumes: []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "web-tsl"}}}},
	}
	manifest := func(ns string) string {
		return webYAML(ns, `        - name: web
          image: nginx:1.27
          env:
            - name: LOG_LEVEL
              valueFrom: {configMapKeyRef: {name: web-config, key: log_levle}}
          volumeMounts: [{name: tls, mountPath: /tls}]
      volumes:
        - name: tls
          secret: {secretName: web-tsl}
`)
	}
	e := ruleEnv(t, manifest, spec)
	ctx := context.Background()
	if _, err := kc.Typed.CoreV1().ConfigMaps(e.ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web-config", Namespace: e.ns},
		Data: map[string]string{"log_level": "info", "workers": "4"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const secretValue = "-----BEGIN PRIVATE KEY-----MIIEvQ"
	if _, err := kc.Typed.CoreV1().Secrets(e.ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-tls", Namespace: e.ns},
		Data: map[string][]byte{"tls.key": []byte(secretValue), "tls.crt": []byte("cert")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := rulePod(t, e.ns, "web-a", "", spec, testenv.ContainerWaiting("web", "nginx:1.27", "CreateContainerConfigError", "couldn't find key log_levle in ConfigMap "+e.ns+"/web-config"))
	if err := testenv.KubeletEvent(ctx, kc.Typed, p, "web", corev1.EventTypeWarning, "FailedMount", `MountVolume.SetUp failed for volume "tls" : secret "web-tsl" not found`, 4); err != nil {
		t.Fatal(err)
	}

	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔧 Opened [#",
		"ConfigMap `web-config` has no key `log_levle`, which variable `LOG_LEVEL` of container `web` reads; its keys are `log_level`, `workers`. The manifest likely means key `log_level`",
		"Secret `web-tsl`, which volume `tls` reads, does not exist in namespace `"+e.ns+"`. The manifest likely means Secret `web-tls`",
		"**Rule:** a reference to a ConfigMap, Secret or key that does not exist", "`env.LOG_LEVEL.configMapKeyRef.key=log_level (container web)`", "`volume.tls.secret.secretName=web-tls`")
	mustNotContain(t, got, secretValue, "MIIEvQ", "info")
	p2 := onePull(t, e.r)
	mustNotContain(t, p2.Body, secretValue, "MIIEvQ")
	want := strings.Replace(strings.Replace(manifest(e.ns), "key: log_levle}", "key: log_level}", 1), "secretName: web-tsl}", "secretName: web-tls}", 1)
	if file := branchFile(t, e.r, p2.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
}

// TestFixRuleNoRoom: a pod that waits because it asks for more memory than any node has gets
// a pull request lowering the request and limit to the largest node's allocatable.
func TestFixRuleNoRoom(t *testing.T) {
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "elasticsearch:8.15.0",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Gi")}, Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Gi")}}}}}
	manifest := func(ns string) string {
		return webYAML(ns, `        - name: web
          image: elasticsearch:8.15.0
          resources:
            requests:
              memory: 64Gi # sized for prod
            limits:
              memory: 64Gi
`)
	}
	e := ruleEnv(t, manifest, spec)
	ctx := context.Background()
	// Two nodes report their allocatable; the largest has 12,000,000Ki (11718.75Mi).
	for name, mem := range map[string]string{unique("node-small-"): "4Gi", unique("node-large-"): "12000000Ki"} {
		n, err := kc.Typed.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = kc.Typed.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
		n.Status.Allocatable = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110")}
		n.Status.Capacity = n.Status.Allocatable
		if _, err := kc.Typed.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p := rulePod(t, e.ns, "web-a", "", spec)
	const said = "0/3 nodes are available: 2 Insufficient memory, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/3 nodes are available: 2 No preemption victims found for incoming pod."
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: said}}}
	if _, err := kc.Typed.CoreV1().Pods(e.ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	if _, err := kc.Typed.CoreV1().Events(e.ns).Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-a.", Namespace: e.ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: e.ns, Name: p.Name, UID: p.UID},
		Type:           corev1.EventTypeWarning, Reason: "FailedScheduling", Message: said, Count: 6, FirstTimestamp: now, LastTimestamp: now,
		Source: corev1.EventSource{Component: "default-scheduler"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔧 Opened [#", "Container `web` asks for `64Gi` of memory, more than any node can give: the largest allocatable is `12000000Ki`",
		"Insufficient memory", "**Rule:** a container that requests more cpu or memory than any node can give", "`memory=11718Mi")
	p2 := onePull(t, e.r)
	mustContain(t, p2.Body, "## Diagnosis", "largest allocatable", fmt.Sprintf("Closes #%d", e.c.number))
	want := strings.ReplaceAll(manifest(e.ns), "memory: 64Gi", "memory: 11718Mi")
	if file := branchFile(t, e.r, p2.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
}

// TestFixRuleTagMissing: a rollout to a tag the registry does not have ("manifest unknown") is
// said as such and answered with a PR back to the image that ran before.
func TestFixRuleTagMissing(t *testing.T) {
	const good, bad = "nginx:1.25", "nginx:1.255"
	c := diagContainer(bad, 8080)
	e, d := diagEnv(t, bad, "8080", c)
	ctx := context.Background()
	imagePullRevisions(t, ctx, e.ns, d, good, bad)
	runPods(t, e.ns, "web-old", diagContainer(good, 8080), 2, func(int) corev1.ContainerStatus { return testenv.ContainerRunning("web", good) })
	pods := runPods(t, e.ns, "web-new", c, 1, func(int) corev1.ContainerStatus {
		return testenv.ContainerWaiting("web", bad, "ErrImagePull", `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/`+bad+`": failed to resolve reference "docker.io/library/`+bad+`": docker.io/library/`+bad+`: not found`)
	})
	if err := testenv.KubeletEvent(ctx, kc.Typed, pods[0], "web", corev1.EventTypeWarning, "Failed",
		`Failed to pull image "`+bad+`": Error response from daemon: manifest for `+bad+` not found: manifest unknown: manifest unknown`, 4); err != nil {
		t.Fatal(err)
	}
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔧 Opened [#", "Its tag `1.255` does not exist in the image's registry", "The last image that ran is `"+good+"`",
		"**Rule:** an image whose tag does not exist in its registry", "`image="+good)
	p := onePull(t, e.r)
	mustContain(t, p.Body, "## Diagnosis", "does not exist")
	want := replace(t, diagDeployYAML(e.ns, bad, "8080"), "image: "+bad+" # the app", "image: "+good+" # the app")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
}

// TestFixRuleReadiness404: a readiness path answering 404 is said, and nothing is edited.
func TestFixRuleReadiness404(t *testing.T) {
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("http")}}}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "ghcr.io/acme/api:1.9", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}, ReadinessProbe: probe}}}
	e := ruleEnv(t, func(ns string) string {
		return webYAML(ns, `        - name: web
          image: ghcr.io/acme/api:1.9
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: http}
`)
	}, spec)
	notReady := testenv.ContainerRunning("web", "ghcr.io/acme/api:1.9")
	notReady.Ready = false
	for _, name := range []string{"web-a", "web-b"} {
		p := rulePod(t, e.ns, name, "", spec, notReady)
		if err := testenv.KubeletEvent(context.Background(), kc.Typed, p, "web", corev1.EventTypeWarning, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", 20); err != nil {
			t.Fatal(err)
		}
	}
	bs := branches(t, e.r)
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	noFixReply(t, e, got, bs)
	mustContain(t, got, "The readiness probe of container `web` failed 40 times because path `/readyz` on port `http` answers 404 Not Found",
		"Rigel cannot tell the right path, so it proposes no edit")
}
