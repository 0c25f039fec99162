package fix

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/kube"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// Fixes on a chart deployment (issue 13): the edit lands in the values file that sets the
// value, byte for byte but the value (golden files under testdata/plan/<name>/want).
func TestPlanChart(t *testing.T) {
	prod := &rsync.ChartSettings{Release: "web", Namespace: "prod", Values: []string{"charts/web/values-prod.yaml"}}
	staging := &rsync.ChartSettings{Release: "web", Namespace: "staging", Values: []string{"charts/web/values-staging.yaml"}}
	web := func(ns string) planCase {
		return planCase{dir: "chart", folder: "charts/web", w: dep(ns, "web-web")}
	}
	cases := []planCase{}
	add := func(name string, base planCase, chart *rsync.ChartSettings, edits []Edit, wantErr string) {
		base.name, base.chart, base.edits = name, chart, edits
		if wantErr != "" {
			base.wantErr, base.errType = wantErr, "place"
		}
		cases = append(cases, base)
	}
	// the tag is pinned in values-prod.yaml: only it changes there
	add("chart-prod-image", web("prod"), prod, inContainer("web", set("image=nginx:1.28")), "")
	cases[len(cases)-1].wantNote = "the last of the chart's values files in the deployment's order (`charts/web/values.yaml`, `charts/web/values-prod.yaml`) that sets it"
	// another repository: the repository is set in values.yaml, the tag in values-prod.yaml
	add("chart-prod-image-repository", web("prod"), prod, inContainer("web", set("image=ghcr.io/acme/nginx:1.28")), "")
	// staging sets no tag: values.yaml's empty tag (the appVersion stands in) is set
	add("chart-staging-image", web("staging"), staging, inContainer("web", set("image=nginx:1.28")), "")
	cases[len(cases)-1].wantNote = "`charts/web/values.yaml` sets values key `image.tag`"
	add("chart-prod-replicas", web("prod"), prod, set("replicas=5"), "")
	add("chart-staging-replicas", web("staging"), staging, set("replicas=5"), "")
	// toYaml .Values.resources: the key under resources in the file that sets it
	add("chart-prod-memory", web("prod"), prod, inContainer("web", set("memory=512Mi")), "")
	// values.yaml's `resources: {}` is filled
	add("chart-staging-memory", web("staging"), staging, inContainer("web", set("memory=512Mi", "cpu=250m")), "")
	cases[len(cases)-1].wantNote = "No values file of the deployment (`charts/web/values.yaml`, `charts/web/values-staging.yaml`) sets values key `resources.limits.memory`: it is added to `charts/web/values.yaml`."
	// the sidecar: `{{ .Values.sidecar.image | quote }}`, `with .Values.sidecar.resources`
	add("chart-sidecar", web("prod"), prod, inContainer("sidecar", set("image=busybox:1.37", "memory=128Mi")), "")
	// a request above the new limit is lowered too, in the file that sets it
	add("chart-prod-memory-lower", web("prod"), prod, inContainer("web", set("memory=128Mi")), "")

	add("chart-env", web("prod"), prod, inContainer("web", set("env.LOG_LEVEL=debug")), "Rigel traces only `image`, `memory`, `cpu` and `replicas` to the chart's values, not `env`, and proposes nothing")
	add("chart-digest", web("prod"), prod, inContainer("web", set("image=nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")), "writes the image as `repository:tag`")
	sub := planCase{dir: "chart", folder: "charts/web", w: kubeRef("StatefulSet", "prod", "web-db")}
	add("chart-subchart", sub, prod, set("replicas=2"), "a subchart or a dependency")
	fixed := planCase{dir: "chart-fixed", folder: "app", w: dep("default", "app")}
	add("chart-fixed-image", fixed, nil, set("image=nginx:1.28"), "does not map `image` directly from a values key")
	add("chart-fixed-replicas", fixed, nil, set("replicas=4"), "`replicas` in `app/templates/app.yaml` line 6 is `{{ add 1 .Values.extra }}`, which is not one values key")
	// a deployment's set-file sets the key: not edited
	setFile := &rsync.ChartSettings{Release: "web", Namespace: "prod", Values: prod.Values, SetFiles: map[string]string{"image.tag": "charts/web/tag.txt"}}
	add("chart-set-file", web("prod"), setFile, inContainer("web", set("image=nginx:1.28")), "set-file")
	// a values key another object reads too: the verification refuses
	shared := planCase{dir: "chart-shared", folder: "app", w: dep("default", "app")}
	add("chart-shared-image", shared, nil, set("image=nginx:1.28"), "would also change ConfigMap `app-version`")
	add("chart-shared-replicas", shared, nil, set("replicas=3"), "")
	// registry/repository:tag: each part that differs is set
	reg := planCase{dir: "chart-registry", folder: "app", w: dep("default", "app")}
	add("chart-registry-image", reg, nil, set("image=ghcr.io/acme/nginx:1.28"), "")
	add("chart-registry-tag", reg, nil, set("image=docker.io/library/nginx:1.28"), "")
	add("chart-registry-short", reg, nil, set("image=nginx:1.28"), "writes the image as `<image.registry>/<image.repository>:<image.tag>`, so give an image of that form")
	// a chart at the repository's root, a JSON values file, CRLF line endings
	root := planCase{dir: "chart-root", folder: ".", w: dep("prod", "app")}
	rootSet := &rsync.ChartSettings{Release: "app", Namespace: "prod", Values: []string{"values-prod.json"}}
	add("chart-root-replicas", root, rootSet, set("replicas=4"), "")
	add("chart-root-image", root, rootSet, set("image=nginx:1.28"), "")
	// already so: nothing changes
	add("chart-unchanged", web("prod"), prod, inContainer("web", set("image=nginx:1.27.1")), "")

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runPlanCase(t, tc) })
	}
}

func kubeRef(kind, ns, name string) kube.WorkloadRef {
	return kube.WorkloadRef{Kind: kind, Namespace: ns, Name: name}
}

// traceTemplate reads only direct mappings, with the values path dot has under `with` (not
// under `range`).
func TestTraceTemplate(t *testing.T) {
	text := `spec:
  replicas: {{ .Values.replicaCount | int }}
  containers:
    - name: a
      image: "{{ $.Values.a.repository }}:{{ default "x" .Values.a.tag }}"
      {{- with .Values.a }}
      resources:
        {{- toYaml .resources | nindent 8 }}
      {{- end }}
    {{- range .Values.more }}
    - name: {{ .name }}
      image: {{ .image }}
      resources: {{ toYaml .resources | nindent 8 }}
    {{- end }}
    - name: b
      image: {{ include "b.image" . }}
      resources: {{ toYaml .Values.b.resources }}  # inline
      command: {{ .Values.cmd }} --flag
`
	got := map[int]string{}
	for _, m := range traceTemplate(text) {
		var parts []string
		for _, p := range m.parts {
			if p.ref != nil {
				parts = append(parts, "<"+strings.Join(p.ref, ".")+">")
			} else {
				parts = append(parts, p.lit)
			}
		}
		s := m.key + "=" + strings.Join(parts, "")
		if m.block {
			s += " block"
		}
		if m.why != "" {
			s += " (" + m.why + ")"
		}
		got[m.line] = s
	}
	want := map[int]string{
		2:  "replicas=<replicaCount>",
		5:  "image=<a.repository>:<a.tag>",
		8:  "resources=<a.resources> block",
		11: "name= (`{{ .name }}`, which is not one values key)",
		12: "image= (`{{ .image }}`, which is not one values key)",
		13: "resources= (`{{ toYaml .resources | nindent 8 }}`, which is not one values key)",
		16: "image= (`{{ include \"b.image\" . }}`, which is not one values key)",
		17: "resources=<b.resources> block",
		18: "command=<cmd> (not only values (text follows them))",
	}
	for line, w := range want {
		if got[line] != w {
			t.Errorf("line %d: %q, want %q", line, got[line], w)
		}
	}
	for line, g := range got {
		if _, ok := want[line]; !ok {
			t.Errorf("line %d: %q, want no mapping", line, g)
		}
	}
}
