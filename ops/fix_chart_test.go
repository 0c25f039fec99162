package ops

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

// chartFixFiles are a chart two deployments render: prod (values-prod.yaml pins the tag) and
// staging (values-staging.yaml sets replicas only).
var chartFixFiles = map[string]string{
	"charts/web/Chart.yaml":          "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.27\"\n",
	"charts/web/values.yaml":         "replicaCount: 1\nimage:\n  repository: nginx\n  tag: \"\" # the appVersion\n",
	"charts/web/values-prod.yaml":    "# prod\nreplicaCount: 3\nimage:\n  tag: \"1.27.1\"  # pinned\nresources:\n  limits:\n    memory: 128Mi # measured\n",
	"charts/web/values-staging.yaml": "replicaCount: 2\n",
	"charts/web/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n" +
		"  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n" +
		"          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n",
}

// A fix of a chart deployment's workload edits the values file its settings name that sets the
// value, renders the chart with those settings, and tells no other deployment shares the file.
func TestProposeFixChart(t *testing.T) {
	ctx := context.Background()
	svc, src, _, _ := newTestService(t)
	w := &fixWorld{svc: svc, src: src, wl: svc.Workloads.(*fakeWorkloads), forge: &fakeForge{}}
	seedRegistry(t, svc, entry(webRepo,
		config.Deployment{Name: "web", Path: "charts/web", Chart: &config.Chart{Namespace: "shop", Values: []string{"values-prod.yaml"}}},
		config.Deployment{Name: "web-staging", Path: "charts/web", Chart: &config.Chart{Release: "web", Namespace: "staging", Values: []string{"values-staging.yaml"}}}))
	w.main = src.commit("refs/heads/main", chartFixFiles)
	addWorkload(w.wl, shopWeb, linkedTo("web", "charts/web"))

	out, err := svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "image=nginx:1.28"), Bot: "rigel[bot]"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Opened || len(w.src.pushes) != 1 {
		t.Fatalf("outcome %+v; pushes %d", out, len(w.src.pushes))
	}
	files := w.src.pushes[0].Files
	want := strings.Replace(chartFixFiles["charts/web/values-prod.yaml"], `"1.27.1"`, `"1.28"`, 1)
	if len(files) != 1 || string(files["charts/web/values-prod.yaml"]) != want {
		t.Fatalf("pushed %q, want only charts/web/values-prod.yaml as\n%s", files, want)
	}
	if p := out.Proposal; len(p.Shared) != 0 || len(p.Unknown) != 0 {
		t.Fatalf("shared %+v, unknown %v: staging does not read values-prod.yaml", p.Shared, p.Unknown)
	}

	// staging's workload: values.yaml sets the tag for it, which prod reads too
	staging := shopWeb
	staging.Namespace = "staging"
	addWorkload(w.wl, staging, linkedTo("web-staging", "charts/web"))
	out, err = svc.ProposeFix(ctx, w.call(), FixRequest{Workload: staging, Edits: edits(t, "image=nginx:1.28")})
	if err != nil {
		t.Fatal(err)
	}
	files = w.src.pushes[1].Files
	if len(files) != 1 || !strings.Contains(string(files["charts/web/values.yaml"]), "  tag: \"1.28\" # the appVersion\n") {
		t.Fatalf("pushed %q, want values.yaml's tag set", files)
	}
	if p := out.Proposal; len(p.Shared) != 1 || p.Shared[0].Path != "charts/web/values.yaml" || p.Shared[0].Deployments[0] != "web" {
		t.Fatalf("shared %+v: prod reads values.yaml too", p.Shared)
	}

	// what the template does not map from one values key: refused, nothing pushed
	_, err = svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "env.LOG_LEVEL=debug")})
	if c, ok := refusalOf(err).(*CannotPlace); !ok || !strings.Contains(c.Msg, "proposes nothing") || len(w.src.pushes) != 2 {
		t.Fatalf("ProposeFix = %v, want a *CannotPlace saying it cannot trace the value, and nothing pushed", err)
	}
}

// A diagnosed fix of a chart workload (no `set`): the container OOMKilled gets its memory limit
// doubled in the values file that sets it.
func TestProposeFixChartDiagnosed(t *testing.T) {
	svc, src, _, _ := newTestService(t)
	w := &fixWorld{svc: svc, src: src, wl: svc.Workloads.(*fakeWorkloads), forge: &fakeForge{}}
	seedRegistry(t, svc, entry(webRepo,
		config.Deployment{Name: "web", Path: "charts/web", Chart: &config.Chart{Namespace: "shop", Values: []string{"values-prod.yaml"}}}))
	src.commit("refs/heads/main", chartFixFiles)
	addWorkload(w.wl, shopWeb, linkedTo("web", "charts/web"))
	c := corev1.Container{Name: "web", Image: "nginx:1.27.1", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}}}
	oom := corev1.ContainerStatus{Name: "web", Image: c.Image, RestartCount: 3,
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}
	w.wl.states = map[kube.WorkloadRef]*kube.WorkloadState{shopWeb: {Ref: shopWeb,
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{c}}},
		Pods: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop"}, Spec: corev1.PodSpec{Containers: []corev1.Container{c}},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{oom}}}}}}

	out, err := svc.ProposeFix(context.Background(), w.call(), FixRequest{Workload: shopWeb})
	if err != nil {
		t.Fatal(err)
	}
	if out.Diagnosis == nil || !out.Opened || len(w.src.pushes) != 1 {
		t.Fatalf("outcome %+v; pushes %d", out, len(w.src.pushes))
	}
	files := w.src.pushes[0].Files
	want := strings.Replace(chartFixFiles["charts/web/values-prod.yaml"], "memory: 128Mi # measured", "memory: 256Mi # measured", 1)
	if len(files) != 1 || string(files["charts/web/values-prod.yaml"]) != want {
		t.Fatalf("pushed %q, want only charts/web/values-prod.yaml as\n%s", files, want)
	}
}

// chartRefFiles are a chart whose Deployment reads ConfigMap `{{ .Values.config.name }}`
// (web-confg in values-prod.yaml, a typo) at key log_levle, written as text in the template.
var chartRefFiles = map[string]string{
	"charts/web/Chart.yaml":       "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"charts/web/values.yaml":      "config:\n  name: web-config\n",
	"charts/web/values-prod.yaml": "config:\n  name: web-confg # prod\n",
	"charts/web/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n" +
		"  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          env:\n            - name: LOG_LEVEL\n" +
		"              valueFrom:\n                configMapKeyRef:\n                  name: {{ .Values.config.name }}\n                  key: log_levle\n",
}

// A diagnosed typo of a chart workload's reference: the ConfigMap's name, mapped from a values
// key, is renamed in the values file that sets it; the key, written as text in the template,
// is not: it is said among the findings and nothing is proposed for it.
func TestProposeFixChartRename(t *testing.T) {
	svc, src, _, _ := newTestService(t)
	w := &fixWorld{svc: svc, src: src, wl: svc.Workloads.(*fakeWorkloads), forge: &fakeForge{}}
	seedRegistry(t, svc, entry(webRepo,
		config.Deployment{Name: "web", Path: "charts/web", Chart: &config.Chart{Namespace: "shop", Values: []string{"values-prod.yaml"}}}))
	src.commit("refs/heads/main", chartRefFiles)
	addWorkload(w.wl, shopWeb, linkedTo("web", "charts/web"))
	state := func(name, key string, keys ...string) {
		c := corev1.Container{Name: "web", Image: "nginx:1.27", Env: []corev1.EnvVar{{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{
			ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}}}}
		w.wl.states = map[kube.WorkloadRef]*kube.WorkloadState{shopWeb: {Ref: shopWeb,
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{c}}},
			Config:   &kube.NamespaceConfig{ConfigMaps: map[string][]string{"web-config": keys}, Secrets: map[string][]string{}}}}
	}

	// the ConfigMap web-confg does not exist; web-config does, with the key
	state("web-confg", "log_levle", "log_levle")
	out, err := svc.ProposeFix(context.Background(), w.call(), FixRequest{Workload: shopWeb})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Opened || len(w.src.pushes) != 1 || len(out.Edits) != 1 || out.Edits[0].Key != "env.LOG_LEVEL.configMapKeyRef.name" {
		t.Fatalf("outcome %+v; pushes %d", out, len(w.src.pushes))
	}
	files := w.src.pushes[0].Files
	if len(files) != 1 || string(files["charts/web/values-prod.yaml"]) != "config:\n  name: web-config # prod\n" {
		t.Fatalf("pushed %q, want only values-prod.yaml's config.name renamed", files)
	}

	// web-config exists without the key log_levle: the template writes it, so nothing
	state("web-config", "log_levle", "log_level", "workers")
	out, err = svc.ProposeFix(context.Background(), w.call(), FixRequest{Workload: shopWeb})
	if err != nil {
		t.Fatal(err)
	}
	if out.NoFix == nil || out.Pull != nil || len(out.Edits) != 0 || len(w.src.pushes) != 1 {
		t.Fatalf("outcome %+v; pushes %d: want no fix and nothing pushed", out, len(w.src.pushes))
	}
	var said []string
	for _, f := range out.NoFix.Findings {
		said = append(said, f.Markdown())
	}
	all := strings.Join(said, "\n")
	for _, want := range []string{
		"ConfigMap `web-config` has no key `log_levle`",
		"Rigel does not propose the rename `env.LOG_LEVEL.configMapKeyRef.key=log_level (container web)` on chart `charts/web`: ",
		"`charts/web/templates/deployment.yaml` line 16 writes `log_levle` as text in the template, not from a values key; change that line to `log_level` by hand",
		"Rigel has no fix to propose for this.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("findings:\n%s\nwant %q", all, want)
		}
	}
	if out.NoFix.Rule != "" {
		t.Errorf("rule %q, want none: nothing is proposed", out.NoFix.Rule)
	}
}
