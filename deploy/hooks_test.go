package deploy

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// checkHooksRun applies, as rigel (Rigel's ServiceAccount with the installed rights), a hook Job
// of a fixed name with Helm's default delete policy (before-hook-creation) twice, in namespace
// ns: the second apply must delete the first Job to create it again (rigel-hooks: delete on
// Jobs), and each result carries the Job's log tail (rigel-hooks: get on pods/log), read
// through the real apiserver from the test bed's kubelet stand-in.
func checkHooksRun(t *testing.T, rigel *kube.Client, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kubelet, err := testenv.StartKubelet(ctx, adminKube(t).Typed, "node-"+ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.RunJobStatusOn(ctx, cluster.Config, ns, kubelet); err != nil {
		t.Fatal(err)
	}
	e := &sync.Engine{Kube: rigel}
	var uids []string
	for i, log := range []string{"migrated to 1\n", "migrated to 2\n"} {
		job := hookJob(t, ns, log)
		plan, err := e.Diff(ctx, []sync.Object{{Obj: job, Source: "charts/app/templates/migrate.yaml"}}, sync.Provenance{Deployment: "app", Path: "charts/app"})
		if err != nil {
			t.Fatalf("diff %d: %v", i, err)
		}
		if len(plan.Hooks) != 1 || plan.Hooks[0].Action == sync.ActionError {
			t.Fatalf("preview %d refuses the hook: %+v", i, plan.Hooks)
		}
		res, err := e.Apply(ctx, plan, sync.ApplyOptions{HookTimeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("apply %d: %v", i, err)
		}
		if len(res.Hooks) != 1 || res.Hooks[0].Outcome != sync.HookSucceeded {
			t.Fatalf("apply %d as Rigel's ServiceAccount: hooks %+v", i, res.Hooks)
		}
		if !strings.Contains(res.Hooks[0].Logs, strings.TrimSpace(log)) {
			t.Errorf("apply %d: logs %q, want %q (get pods/log)", i, res.Hooks[0].Logs, log)
		}
		live, err := rigel.Typed.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("apply %d: the hook Job: %v", i, err)
		}
		uids = append(uids, string(live.UID))
	}
	if uids[0] == uids[1] {
		t.Errorf("the second apply did not create the hook again (before-hook-creation)")
	}
}

func hookJob(t *testing.T, ns, log string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	doc := `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: ` + ns + `
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation
    ` + testenv.JobLogAnnotation + `: ` + strings.TrimSpace(log) + `
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: example.com/migrate:1
`
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}
