package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Helm charts as deployments (issue 13), shown end to end: a chart with templates, helpers, a
// vendored subchart, a values file per environment, a pre-install hook Job and a CRD is
// registered twice (staging and prod), applied with its hook first, previewed by a pull
// request that changes values-prod.yaml (prod only, the changed field only), and a template
// error is named by file and line in the reply and the check run.

// showChartFiles is the chart of the show, installing into namespace ns; its CRD's group is
// made of ns, so that each run has its own (CRDs are cluster-wide).
func showChartFiles(ns string) map[string]string {
	group := ns + ".rigel.test"
	return map[string]string{
		"charts/web/Chart.yaml":          "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n- name: db\n  version: 0.1.0\n",
		"charts/web/values.yaml":         "# The chart's defaults.\nreplicaCount: 1\nimage:\n  repository: nginx\n  tag: \"1.27\"\ndb:\n  size: 1\n",
		"charts/web/values-staging.yaml": "replicaCount: 2\n",
		"charts/web/values-prod.yaml":    "# Production.\nreplicaCount: 3\ndb:\n  size: 5\n",
		"charts/web/templates/_helpers.tpl": `{{- define "web.fullname" -}}{{ .Release.Name }}-web{{- end -}}
{{- define "web.labels" -}}
app.kubernetes.io/name: web
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
`,
		"charts/web/templates/app.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
data:
  replicas: "{{ .Values.replicaCount }}"
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`,
		"charts/web/templates/settings.yaml": `{{- $live := lookup "v1" "ConfigMap" .Release.Namespace "settings" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "web.fullname" . }}-settings
data:
  found: "{{ if $live }}yes{{ else }}no{{ end }}"
`,
		"charts/web/templates/migrate.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "web.fullname" . }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation
    ` + testenv.JobOutcomeAnnotation + `: complete
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        command: ["/bin/migrate", "--up"]
`,
		"charts/web/crds/widgets.yaml": fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`, group),
		"charts/web/charts/db/Chart.yaml":  "apiVersion: v2\nname: db\nversion: 0.1.0\n",
		"charts/web/charts/db/values.yaml": "size: 1\n",
		"charts/web/charts/db/templates/db.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-db
data:
  size: "{{ .Values.size }}"
`,
	}
}

func TestChartShow(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("chartshow")
	ctx := jobsFinishIn(t, ns) // as the Job controller would
	files := showChartFiles(ns)
	r := newRepo(t, files)
	c := b.issue(r)
	prod, staging := unique("web-prod"), unique("web-staging")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --values values-prod.yaml --release prod --namespace %s", prod, ns)),
		"✅ Registered deployment `"+prod+"`", "It is a Helm chart")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --values values-staging.yaml --release staging --namespace %s", staging, ns)),
		"✅ Registered deployment `"+staging+"`")

	t.Run("the preview shows the rendered objects, the subchart's, the CRD and the hook before the objects", func(t *testing.T) {
		got := c.reply("/rigel diff " + prod)
		mustContain(t, got, "ConfigMap/"+ns+"/prod-web", `+  replicas: "3"`, `+  image: nginx:1.27`,
			"ConfigMap/"+ns+"/prod-db", `+  size: "5"`, "CustomResourceDefinition/widgets."+ns+".rigel.test",
			"**Before the objects** (pre-install/pre-upgrade", "`Job/"+ns+"/prod-web-migrate` from `charts/web/templates/migrate.yaml`",
			"`nginx:1.27` `/bin/migrate --up`")
		mustNotContain(t, got, "create <code>Job/")
		// lookup answers nothing in Rigel's render, said with the templates that call it.
		mustContain(t, got, `+  found: "no"`, "calls `lookup`, which finds nothing when Rigel renders", "Templates: `charts/web/templates/settings.yaml`.")
		api := b.api("POST", "/api/git/sync", map[string]any{"repo": r.full, "deployment": prod}, http.StatusOK)
		mustContain(t, api.raw, `"lookups":{"templates":["charts/web/templates/settings.yaml"],"note":"the chart calls`)
		mustContain(t, c.reply("/rigel diff "+staging), "ConfigMap/"+ns+"/staging-web", `+  replicas: "2"`, `+  size: "1"`)
	})

	t.Run("apply creates the objects with provenance, the CRD and the hook first", func(t *testing.T) {
		// The order of creation, told by the resource versions of the objects as created (one
		// etcd: they grow with each write). The Job is watched: its status is written later.
		w, err := kc.Typed.BatchV1().Jobs(ns).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		c.reply("/rigel sync " + prod)
		got := c.reply("/rigel apply " + prod)
		mustContain(t, got, "Succeeded", "| pre | ✅ Succeeded | the Job completed")
		var jobCreated int64
		select {
		case ev := <-w.ResultChan():
			m, err := metaOf(ev.Object)
			if err != nil {
				t.Fatal(err)
			}
			if m.GetName() != "prod-web-migrate" {
				t.Fatalf("first Job event of %s, want the hook", m.GetName())
			}
			jobCreated = mustRV(t, m.GetResourceVersion())
		case <-time.After(10 * time.Second):
			t.Fatal("the hook Job was never created")
		}
		job, err := kc.Typed.BatchV1().Jobs(ns).Get(ctx, "prod-web-migrate", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		crd, err := kc.Dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).
			Get(ctx, "widgets."+ns+".rigel.test", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the chart's CRD was not applied: %v", err)
		}
		if crdRV := mustRV(t, crd.GetResourceVersion()); crdRV > jobCreated {
			t.Errorf("the CRD (resource version %d) was written after the hook was created (%d): crds/ go first", crdRV, jobCreated)
		}
		for _, o := range []metav1.Object{job, crd} {
			checkProvenance(t, o, prod)
		}
		for _, name := range []string{"prod-web", "prod-db"} {
			cm := getConfigMap(t, ns, name)
			checkProvenance(t, cm, prod)
			if rv := mustRV(t, cm.ResourceVersion); rv < jobCreated {
				t.Errorf("ConfigMap %s (resource version %d) was created before the pre-install hook (%d)", name, rv, jobCreated)
			}
		}
		if cm := getConfigMap(t, ns, "prod-db"); cm.Data["size"] != "5" {
			t.Errorf("the subchart's ConfigMap holds %v, want the prod values' size 5", cm.Data)
		}
	})

	branch := unique("bump")
	changed := strings.Replace(files["charts/web/values-prod.yaml"], "replicaCount: 3", "replicaCount: 4", 1)
	head1, err := git.Commit(r.full, branch, map[string]string{"charts/web/values-prod.yaml": changed}, "Scale prod")
	if err != nil {
		t.Fatal(err)
	}
	n := int(issueSeq.Add(1))
	pr := &conversation{b: b, r: r, number: n, isPR: true}
	b.pullEvent(testenv.PullOpts{Action: "opened", Repo: r.full, Number: n, HeadSHA: head1, HeadRef: branch, BaseRef: "main"})

	t.Run("a pull request changing values-prod.yaml previews prod, and only the field that changes", func(t *testing.T) {
		cr := waitCheck(t, r.full, head1, "rigel/preview: "+prod)
		if cr.Conclusion != "success" || !strings.Contains(cr.Title, prod+": 0 to create, 1 to change") {
			t.Fatalf("check run %+v: want success, one object to change", cr)
		}
		mustContain(t, cr.Text, "ConfigMap/"+ns+"/prod-web", `-  replicas: "3"`, `+  replicas: "4"`)
		mustNotContain(t, cr.Text, "prod-db", "+  image", "-  image", "widgets."+ns)
		settle()
		if _, ok := gh.CheckRunNamed(r.full, head1, "rigel/preview: "+staging); ok {
			t.Fatal("staging was previewed though the pull request changes none of its inputs")
		}
		pr.waitReplies(1)
		if got := pr.livingComments(prod); len(got) != 1 || !strings.Contains(got[0].Body, "because this pull request changes `charts/web/values-prod.yaml`") {
			t.Fatalf("living comments of prod %+v: want one, saying values-prod.yaml changed", got)
		}
	})

	t.Run("a template error names the template file and line, in the reply and the check run", func(t *testing.T) {
		bad := strings.Replace(files["charts/web/templates/app.yaml"], `"{{ .Values.replicaCount }}"`, `"{{ .Values.replicaCount | nosuchfunction }}"`, 1)
		head2, err := git.Commit(r.full, branch, map[string]string{"charts/web/templates/app.yaml": bad}, "Break the template")
		if err != nil {
			t.Fatal(err)
		}
		b.pullEvent(testenv.PullOpts{Action: "synchronize", Repo: r.full, Number: n, HeadSHA: head2})
		cr := waitCheck(t, r.full, head2, "rigel/preview: "+prod)
		if cr.Conclusion != "failure" || len(cr.Annotations) != 1 {
			t.Fatalf("check run %+v: want failure with one annotation", cr)
		}
		if a := cr.Annotations[0]; a.Path != "charts/web/templates/app.yaml" || a.StartLine != 8 || a.Level != "failure" || !strings.Contains(a.Message, "nosuchfunction") {
			t.Fatalf("annotation %+v: want a failure at charts/web/templates/app.yaml line 8 naming the function", a)
		}
		mustContain(t, pr.reply("/rigel diff "+prod), "❌", "**`charts/web/templates/app.yaml`** line 8", "nosuchfunction")
	})

	t.Run("the fixed pull request, approved, applies: the pre-upgrade hook runs again, then the new value", func(t *testing.T) {
		before, err := kc.Typed.BatchV1().Jobs(ns).Get(ctx, "prod-web-migrate", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		head3, err := git.Commit(r.full, branch, map[string]string{"charts/web/templates/app.yaml": files["charts/web/templates/app.yaml"]}, "Fix the template")
		if err != nil {
			t.Fatal(err)
		}
		if err := gh.SetPullHead(r.full, n, head3); err != nil {
			t.Fatal(err)
		}
		b.pullEvent(testenv.PullOpts{Action: "synchronize", Repo: r.full, Number: n, HeadSHA: head3})
		if cr := waitCheck(t, r.full, head3, "rigel/preview: "+prod); cr.Conclusion != "success" {
			t.Fatalf("check run on the fixed head %+v", cr)
		}
		gh.AddReview(r.full, n, "bob", "APPROVED")
		got := pr.reply("/rigel apply " + prod)
		mustContain(t, got, "Succeeded", head3[:7], "| pre | ✅ Succeeded | the Job completed")
		if cm := getConfigMap(t, ns, "prod-web"); cm.Data["replicas"] != "4" {
			t.Errorf("applied %v, want the pull request's replicas 4", cm.Data)
		}
		after, err := kc.Typed.BatchV1().Jobs(ns).Get(ctx, "prod-web-migrate", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if after.UID == before.UID {
			t.Error("the pre-upgrade hook did not run again (before-hook-creation: the old Job deleted, a new one created)")
		}
	})
}

// metaOf is the object metadata of a watched object.
func metaOf(o any) (metav1.Object, error) {
	m, ok := o.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("watched %T, not an object", o)
	}
	return m, nil
}

// mustRV is a resource version as a number (the test bed's: etcd's revision of the write).
func mustRV(t *testing.T, rv string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		t.Fatalf("resource version %q: %v", rv, err)
	}
	return n
}

// checkProvenance fails t unless o carries the provenance annotations of deployment dep of the
// chart charts/web.
func checkProvenance(t *testing.T, o metav1.Object, dep string) {
	t.Helper()
	a := o.GetAnnotations()
	if a["helmsman.dev/source-repo"] != dep || a["helmsman.dev/source-path"] != "charts/web" {
		t.Errorf("%s has no provenance of %s: %v", o.GetName(), dep, a)
	}
}
