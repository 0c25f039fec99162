package main

import (
	"context"
	"fmt"
	"sort"
	"testing/fstest"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// The chart figure (issue 13): render + diff of a Helm chart of 100 objects (40 ConfigMaps,
// 30 Services, 30 Deployments from three templates and a helper, values-prod.yaml over
// values.yaml, the cluster's capabilities) against render + diff of the very same objects as
// a plain folder (the chart's output written as YAML files), in this process, on an applied
// namespace (every object unchanged, as a pull request's preview mostly sees). Goal: ≤ 1.5×.
// The chart's templates render in a render child process kept warm between renders
// (sync/render_helm_child_pool.go): the first render starts it, and is shown apart.
const (
	helmRuns = 9
	helmNS   = "bench-helm"
)

// helmChart is the chart (under chart/) and its objects as a plain folder (under plain/).
func helmChart() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }
	return fstest.MapFS{
		"chart/Chart.yaml":       f("apiVersion: v2\nname: web\nversion: 0.1.0\n"),
		"chart/values.yaml":      f("configs: 40\nservices: 30\ndeployments: 30\nimage: {repository: nginx, tag: \"1.27\"}\nreplicas: 1\n"),
		"chart/values-prod.yaml": f("image: {tag: \"1.28\"}\nreplicas: 2\n"),
		"chart/templates/_helpers.tpl": f(`{{- define "web.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
`),
		"chart/templates/configmaps.yaml": f(`{{- range $i := until (int .Values.configs) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-cm-{{ $i }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "web.labels" $ | nindent 4 }}
data:
  index: {{ $i | quote }}
  payload: {{ printf "value-%d-abcdefghijklmnopqrstuvwxyz" $i | quote }}
{{- end }}
`),
		"chart/templates/services.yaml": f(`{{- range $i := until (int .Values.services) }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $.Release.Name }}-svc-{{ $i }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "web.labels" $ | nindent 4 }}
spec:
  selector:
    app: web-{{ $i }}
  ports:
    - port: 80
      targetPort: 8080
{{- end }}
`),
		"chart/templates/deployments.yaml": f(`{{- range $i := until (int .Values.deployments) }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $.Release.Name }}-web-{{ $i }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "web.labels" $ | nindent 4 }}
spec:
  replicas: {{ $.Values.replicas }}
  selector:
    matchLabels:
      app: web-{{ $i }}
  template:
    metadata:
      labels:
        app: web-{{ $i }}
    spec:
      containers:
        - name: web
          image: "{{ $.Values.image.repository }}:{{ $.Values.image.tag }}"
          resources:
            limits: {memory: 64Mi}
{{- end }}
`),
	}
}

func helmMain() int { return onCluster("helm", helmBench) }

func helmBench(c *testenv.Cluster) error {
	ctx := context.Background()
	if err := c.CreateNamespace(helmNS); err != nil {
		return err
	}
	kc, err := kube.New(c.Config)
	if err != nil {
		return err
	}
	engine := &sync.Engine{Kube: kc, Concurrency: concurrency}
	caps, err := engine.Capabilities(ctx)
	if err != nil {
		return err
	}
	files := helmChart()
	opts := sync.RenderOptions{Chart: &sync.ChartSettings{Release: "shop", Namespace: helmNS, Values: []string{"chart/values-prod.yaml"}}, Capabilities: caps}
	coldStart := time.Now()
	objs, err := sync.RenderWith(ctx, files, "chart", opts) // starts the render process
	if err != nil {
		return err
	}
	cold := time.Since(coldStart)
	if len(objs) != 100 {
		return fmt.Errorf("the chart rendered %d objects, want 100", len(objs))
	}
	for i, o := range objs { // the same objects as a plain folder
		y, err := yaml.Marshal(o.Obj.Object)
		if err != nil {
			return err
		}
		files[fmt.Sprintf("plain/%03d.yaml", i)] = &fstest.MapFile{Data: y, Mode: 0o644}
	}
	prov := sync.Provenance{Deployment: "shop", Path: "chart", Commit: driftCommit}
	plan, err := engine.Diff(ctx, objs, prov)
	if err != nil {
		return err
	}
	if _, err := engine.Apply(ctx, plan, sync.ApplyOptions{}); err != nil {
		return err
	}
	type figure struct{ render, total []time.Duration }
	measureOne := func(folder string, o sync.RenderOptions, fig *figure) error {
		start := time.Now()
		objs, err := sync.RenderWith(ctx, files, folder, o)
		if err != nil {
			return err
		}
		rendered := time.Since(start)
		plan, err := engine.Diff(ctx, objs, sync.Provenance{Deployment: "shop", Path: "chart", Commit: driftCommit})
		if err != nil {
			return err
		}
		if _, _, unchanged, _ := plan.Counts(); unchanged != 100 {
			return fmt.Errorf("%s: %d of 100 objects unchanged, want all", folder, unchanged)
		}
		fig.render = append(fig.render, rendered)
		fig.total = append(fig.total, time.Since(start))
		return nil
	}
	var chart, plain figure
	for i := 0; i < helmRuns+1; i++ { // the first round warms up and is dropped
		if err := measureOne("plain", sync.RenderOptions{}, &plain); err != nil {
			return err
		}
		if err := measureOne("chart", opts, &chart); err != nil {
			return err
		}
	}
	med := func(d []time.Duration) time.Duration {
		s := append([]time.Duration(nil), d[1:]...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Printf("\nrender + diff of 100 objects (median of %d, unchanged against the cluster):\n", helmRuns)
	fmt.Printf("  %-14s %10s %10s\n", "", "render", "total")
	fmt.Printf("  %-14s %10s %10s\n", "plain folder", ms(med(plain.render)), ms(med(plain.total)))
	fmt.Printf("  %-14s %10s %10s\n", "Helm chart", ms(med(chart.render)), ms(med(chart.total)))
	fmt.Printf("  (the chart's first render, which starts its render process: %s; not counted)\n", ms(cold))
	ratio := float64(med(chart.total)) / float64(med(plain.total))
	verdict := "met"
	if ratio > 1.5 {
		verdict = "NOT met" // said, as the other goals are; the rest of the bench still runs
	}
	fmt.Printf("  chart / plain: %.2f× (goal ≤ 1.5×: %s)\n", ratio, verdict)
	return nil
}
