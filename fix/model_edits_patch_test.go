package fix

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/model"
	rsync "github.com/rigel-gitops/rigel/sync"
)

const patchWeb = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27   # pinned
        readinessProbe:
          httpGet:
            path: /ready
            port: 8080
      - name: sidecar
        image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

func patchAnswer(w kube.WorkloadRef, ops ...model.PatchOp) *model.Answer {
	a := modelAnswer(w.Kind, w.Name, w.Namespace)
	a.Patch = ops
	return a
}

func pop(path, value, typ string) model.PatchOp {
	return model.PatchOp{Path: path, Value: value, Type: typ}
}

// TestModelPatch: a model's patch of the workload's document becomes edits placed in the file
// that defines each value, verified by building the folder again; each line of the diff is
// one the patch asked for.
func TestModelPatch(t *testing.T) {
	plain := fstest.MapFS{"app/web.yaml": {Data: []byte(patchWeb)}}
	kust := os.DirFS(filepath.Join("testdata", "plan", "kustomize-patch", "in"))
	for _, tc := range []struct {
		name   string
		fsys   fs.FS
		folder string
		w      kube.WorkloadRef
		a      *model.Answer
		file   string   // the file changed
		added  []string // the diff's added lines, trimmed
	}{
		{"a probe path by index", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/spec/containers/0/readinessProbe/httpGet/path", "/healthz", "string")),
			"app/web.yaml", []string{"path: /healthz"}},
		{"a probe added, by name", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"),
			pop("/spec/template/spec/containers/name=sidecar/livenessProbe/tcpSocket/port", "9000", "number"),
			pop("/spec/template/spec/containers/name=sidecar/livenessProbe/initialDelaySeconds", "5", "number")),
			"app/web.yaml", []string{"livenessProbe:", "tcpSocket:", "port: 9000", "initialDelaySeconds: 5"}},
		{"outside the containers", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"),
			pop("/spec/template/spec/terminationGracePeriodSeconds", "60", "number"),
			pop("/metadata/annotations/team", "checkout", "string")),
			"app/web.yaml", []string{"annotations:", "team: checkout", "terminationGracePeriodSeconds: 60"}},
		{"a pod label the selector does not match, in a flow mapping", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/metadata/labels/tier", "front", "string")),
			"app/web.yaml", []string{"labels: {app: web, tier: front}"}},
		{"a value already there", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/spec/containers/0/image", "nginx:1.27", "string")), "", nil},
		{"a kustomize patch's value, where the patch sets it", kust, "deploy/staging", dep("staging", "web"), patchAnswer(dep("staging", "web"), pop("/spec/template/spec/containers/0/env/name=MODE/value", "debug", "string")),
			"deploy/staging/env.yaml", []string{"value: debug"}},
		{"a new value of a kustomize build, in its resource", kust, "deploy/staging", dep("staging", "web"), patchAnswer(dep("staging", "web"), pop("/spec/template/spec/containers/0/resources/limits/memory", "256Mi", "string")),
			"deploy/base/deployment.yaml", []string{"memory: 256Mi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edits, err := ModelEdits(tc.w, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			changes, err := PlanWith(tc.fsys, tc.folder, tc.w, edits, rsync.RenderOptions{})
			if err != nil {
				t.Fatalf("PlanWith: %v", err)
			}
			if tc.file == "" {
				if len(changes) != 0 {
					t.Fatalf("changes for a value already there:\n%s", UnifiedDiff(changes))
				}
				return
			}
			if len(changes) != 1 || changes[0].Path != tc.file {
				t.Fatalf("changes = %d, want one of %s:\n%s", len(changes), tc.file, UnifiedDiff(changes))
			}
			var added []string
			for _, l := range strings.Split(UnifiedDiff(changes), "\n") {
				if strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++") {
					added = append(added, strings.TrimSpace(strings.TrimPrefix(l, "+")))
				}
			}
			if strings.Join(added, "|") != strings.Join(tc.added, "|") {
				t.Errorf("added lines %q, want %q\n%s", added, tc.added, UnifiedDiff(changes))
			}
			if tc.file == "app/web.yaml" && !strings.Contains(string(changes[0].After), "# pinned") {
				t.Errorf("a comment of the file was lost:\n%s", changes[0].After)
			}
		})
	}
}

// TestModelPatchRefused: a patch of anything but the workload's spec, labels and annotations,
// one that adds a container, that a chart would need, that the folder overrides, or that
// comes with edits is refused and changes nothing.
func TestModelPatchRefused(t *testing.T) {
	plain := fstest.MapFS{"app/web.yaml": {Data: []byte(patchWeb)}}
	kust := os.DirFS(filepath.Join("testdata", "plan", "kustomize", "in"))
	chart := os.DirFS(filepath.Join("testdata", "plan", "chart", "in"))
	probe := pop("/spec/template/spec/containers/0/readinessProbe/httpGet/path", "/healthz", "string")
	for _, tc := range []struct {
		name    string
		fsys    fs.FS
		folder  string
		w       kube.WorkloadRef
		a       *model.Answer
		errType string // "user": ModelEdits or PlanWith refuses what was asked; "place": it cannot be placed
		wantErr string
	}{
		{"the name", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/metadata/name", "web2", "string")), "user", "never its kind, name or namespace"},
		{"the namespace", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/metadata/namespace", "prod", "string")), "user", "never its kind, name or namespace"},
		{"the kind", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/kind", "StatefulSet", "string")), "user", "never its kind"},
		{"the selector", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/selector/matchLabels/app", "x", "string")), "user", "not `/spec/selector`"},
		{"a selected pod label", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/metadata/labels/app", "web2", "string")), "user", "a label the workload's selector matches"},
		{"Rigel's link", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/metadata/annotations/helmsman.dev~1source-repo", "evil/repo", "string")), "user", "Rigel's link"},
		{"not a pointer", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("spec.replicas", "3", "number")), "user", "not a JSON pointer"},
		{"not a number", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/replicas", "three", "number")), "user", "not a number"},
		{"another document", plain, "app", dep("shop", "web"), func() *model.Answer { a := patchAnswer(dep("shop", "web"), probe); a.Workload.Name = "db"; return a }(), "user", "another document"},
		{"edits and a patch", plain, "app", dep("shop", "web"), func() *model.Answer {
			a := patchAnswer(dep("shop", "web"), probe)
			a.Edits = []model.Edit{{Field: "memory", Value: "1Gi"}}
			return a
		}(), "user", "both edits and a patch"},
		{"twice", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), probe, probe), "user", "twice"},
		{"a new container", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/spec/containers/name=miner/image", "evil:1", "string")), "user", "does not add one"},
		{"past the list", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/spec/containers/5/image", "nginx:1.28", "string")), "user", "item 5 of a list of 2"},
		{"a mapping to a value", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/spec/containers/0/readinessProbe", "none", "string")), "user", "holds a mapping or a list"},
		{"through a value", plain, "app", dep("shop", "web"), patchAnswer(dep("shop", "web"), pop("/spec/template/spec/containers/0/image/tag", "x", "string")), "user", "holds a value"},
		{"a chart", chart, "charts/web", dep("prod", "web-web"), patchAnswer(dep("prod", "web-web"), probe), "place", "is a Helm chart"},
		{"overridden by the kustomization", kust, "apps/web/overlays/prod", dep("shop", "prod-web"), patchAnswer(dep("shop", "prod-web"), pop("/spec/template/spec/containers/0/image", "nginx:1.28", "string")), "place", "does not build Deployment `prod-web` with exactly those values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edits, err := ModelEdits(tc.w, tc.a)
			if err == nil {
				var changes []Change
				changes, err = PlanWith(tc.fsys, tc.folder, tc.w, edits, rsync.RenderOptions{})
				if err == nil {
					t.Fatalf("no refusal; diff:\n%s", UnifiedDiff(changes))
				}
			}
			var inv *fault.Invalid
			var pe *PlaceError
			switch {
			case tc.errType == "user" && !errors.As(err, &inv), tc.errType == "place" && !errors.As(err, &pe):
				t.Fatalf("err = %T %v, want a %s error", err, err, tc.errType)
			case !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("err = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
