package sync

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func hookObj(ann map[string]interface{}) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]interface{}{"name": "h", "annotations": ann},
	}}
}

func TestHookOfAndStage(t *testing.T) {
	tests := []struct {
		name        string
		ann         map[string]interface{}
		install     bool
		wantHook    bool
		wantStage   HookStage
		wantWhy     string // substring of NotRun
		wantPolicy  string // DeletePolicies joined
		wantWeight  int
		wantUnknown string
	}{
		{name: "no hook", ann: map[string]interface{}{"a": "b"}},
		{name: "helm pre-install on install", ann: map[string]interface{}{AnnotationHelmHook: "pre-install", AnnotationHelmHookWeight: "-5"},
			install: true, wantHook: true, wantStage: HookPre, wantPolicy: DeleteBeforeCreation, wantWeight: -5},
		{name: "helm pre-install on upgrade", ann: map[string]interface{}{AnnotationHelmHook: "pre-install"},
			wantHook: true, wantStage: HookNotRun, wantWhy: "pre-install: this apply is an upgrade", wantPolicy: DeleteBeforeCreation},
		{name: "helm pre-install,pre-upgrade on upgrade", ann: map[string]interface{}{AnnotationHelmHook: "pre-install, pre-upgrade", AnnotationHelmDeletePolicy: "hook-succeeded,hook-failed"},
			wantHook: true, wantStage: HookPre, wantPolicy: "hook-succeeded,hook-failed"},
		{name: "helm post-upgrade", ann: map[string]interface{}{AnnotationHelmHook: "post-upgrade"},
			wantHook: true, wantStage: HookPost, wantPolicy: DeleteBeforeCreation},
		{name: "helm test", ann: map[string]interface{}{AnnotationHelmHook: "test"},
			wantHook: true, wantStage: HookNotRun, wantWhy: "helm test", wantPolicy: DeleteBeforeCreation},
		{name: "helm pre-delete", ann: map[string]interface{}{AnnotationHelmHook: "pre-delete"},
			wantHook: true, wantStage: HookNotRun, wantWhy: "does not uninstall", wantPolicy: DeleteBeforeCreation},
		{name: "helm post-rollback", ann: map[string]interface{}{AnnotationHelmHook: "post-rollback"},
			wantHook: true, wantStage: HookNotRun, wantWhy: "rollback hook", wantPolicy: DeleteBeforeCreation},
		{name: "helm unknown phase and policy", ann: map[string]interface{}{AnnotationHelmHook: "pre-lunch", AnnotationHelmDeletePolicy: "never", AnnotationHelmHookWeight: "x"},
			wantHook: true, wantStage: HookNotRun, wantWhy: "pre-lunch: not a Helm hook phase Rigel knows", wantPolicy: DeleteBeforeCreation,
			wantUnknown: "helm.sh/hook-weight=x (not an integer: weight 0)|helm.sh/hook-delete-policy=never"},
		{name: "argo PreSync with wave", ann: map[string]interface{}{AnnotationArgoHook: "PreSync", AnnotationArgoSyncWave: "2", AnnotationArgoDeletePolicy: "HookSucceeded"},
			wantHook: true, wantStage: HookPre, wantPolicy: DeleteSucceeded, wantWeight: 2},
		{name: "argo Sync", ann: map[string]interface{}{AnnotationArgoHook: "Sync"}, wantHook: true, wantStage: HookSync, wantPolicy: DeleteBeforeCreation},
		{name: "argo PostSync", ann: map[string]interface{}{AnnotationArgoHook: "PostSync", AnnotationArgoDeletePolicy: "BeforeHookCreation,HookFailed"},
			wantHook: true, wantStage: HookPost, wantPolicy: "before-hook-creation,hook-failed"},
		{name: "argo SyncFail", ann: map[string]interface{}{AnnotationArgoHook: "SyncFail"}, wantHook: true, wantStage: HookFail, wantPolicy: DeleteBeforeCreation},
		{name: "argo Skip", ann: map[string]interface{}{AnnotationArgoHook: "Skip"}, wantHook: true, wantStage: HookNotRun, wantWhy: "Skip", wantPolicy: DeleteBeforeCreation},
		{name: "argo wins over helm", ann: map[string]interface{}{AnnotationArgoHook: "PostSync", AnnotationHelmHook: "pre-install"},
			install: true, wantHook: true, wantStage: HookPost, wantPolicy: DeleteBeforeCreation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hookOf(hookObj(tt.ann), "f.yaml")
			if (h != nil) != tt.wantHook {
				t.Fatalf("hook %+v, want hook %v", h, tt.wantHook)
			}
			if h == nil {
				return
			}
			s, why := stageOf(h, tt.install)
			if s != tt.wantStage || !strings.Contains(why, tt.wantWhy) || (tt.wantWhy == "") != (why == "") {
				t.Errorf("stage %q (%q), want %q (%q)", s, why, tt.wantStage, tt.wantWhy)
			}
			if got := strings.Join(h.DeletePolicies, ","); got != tt.wantPolicy {
				t.Errorf("policies %q, want %q", got, tt.wantPolicy)
			}
			if h.Weight != tt.wantWeight {
				t.Errorf("weight %d, want %d", h.Weight, tt.wantWeight)
			}
			if got := strings.Join(h.Unknown, "|"); got != tt.wantUnknown {
				t.Errorf("unknown %q, want %q", got, tt.wantUnknown)
			}
		})
	}
}

func TestHookGenerateNameParses(t *testing.T) {
	doc := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n"
	if _, err := parseYAML("hooks.yaml", []byte(doc)); err != nil {
		t.Fatalf("a hook with generateName: %v", err)
	}
	plain := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n"
	if _, err := parseYAML("plain.yaml", []byte(plain)); err == nil || !strings.Contains(err.Error(), "metadata.name") {
		t.Fatalf("an object that is no hook still needs a name: %v", err)
	}
}

func TestHookRuns(t *testing.T) {
	us, err := parseYAML("j.yaml", []byte(`apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {helm.sh/hook: pre-install}
spec:
  template:
    spec:
      initContainers:
      - {name: wait, image: busybox:1.36, command: [sh, -c, "sleep 1"]}
      containers:
      - name: migrate
        image: example.com/app:1.2
        command: [/app]
        args: [migrate, --to, latest]
`))
	if err != nil {
		t.Fatal(err)
	}
	got := runsOf(us[0])
	if len(got) != 2 || got[0].Container != "wait" || got[1].Image != "example.com/app:1.2" ||
		strings.Join(got[1].Command, " ") != "/app migrate --to latest" || strings.Join(got[0].Command, " ") != "sh -c sleep 1" {
		t.Fatalf("runs %+v", got)
	}
}

// Hooks with a generateName render from a plain folder (twice the same generateName included)
// and, named, through kustomize. (kustomize itself refuses an object without metadata.name:
// a generateName hook in a kustomization is a TODO of render_kustomize.go.)
func TestRenderHooksWithGenerateName(t *testing.T) {
	hook := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  annotations:\n    argocd.argoproj.io/hook: PreSync\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: app:1}]\n"
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
	for name, files := range map[string]fstest.MapFS{
		"plain": {"app/hooks.yaml": {Data: []byte(hook + "---\n" + hook)}, "app/cm.yaml": {Data: []byte(cm)}},
		"kustomize": {"app/hooks.yaml": {Data: []byte(strings.Replace(hook, "generateName: migrate-", "name: migrate", 1))}, "app/cm.yaml": {Data: []byte(cm)},
			"app/kustomization.yaml": {Data: []byte("resources: [cm.yaml, hooks.yaml]\nnamespace: shop\n")}},
	} {
		t.Run(name, func(t *testing.T) {
			objs, err := Render(context.Background(), files, "app")
			if err != nil {
				t.Fatal(err)
			}
			desired, hooks := splitHooks(objs)
			if len(desired) != 1 || len(hooks) == 0 || !strings.HasPrefix(hooks[0].Obj.GetGenerateName()+hooks[0].Obj.GetName(), "migrate") {
				t.Fatalf("desired %d hooks %d", len(desired), len(hooks))
			}
		})
	}
}

func TestIsInstall(t *testing.T) {
	ns := Change{Ref: Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, Action: ActionUnchanged}
	cm := func(a Action) Change {
		return Change{Ref: Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "c"}, Action: a}
	}
	tests := []struct {
		name    string
		changes []Change
		want    bool
	}{
		{"nothing", nil, true},
		{"all created", []Change{cm(ActionCreate)}, true},
		{"a Namespace that exists does not make an upgrade", []Change{ns, cm(ActionCreate)}, true},
		{"an object that exists", []Change{cm(ActionCreate), cm(ActionUnchanged)}, false},
		{"an object that changes", []Change{cm(ActionUpdate)}, false},
		{"an object that exists and is another's", []Change{{Ref: cm("").Ref, Action: ActionCreate, Unmanaged: &Unmanaged{Deployment: "x"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isInstall(tt.changes); got != tt.want {
				t.Fatalf("isInstall = %v, want %v", got, tt.want)
			}
		})
	}
}
