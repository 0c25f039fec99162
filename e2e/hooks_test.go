package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// hookFiles is a folder written for Argo CD: a ConfigMap, a PreSync migration Job with a
// generateName deleted when it succeeds, a PostSync Job, and an object marked Skip. outcome is
// the migration's JobOutcomeAnnotation (the test bed's Job controller stand-in completes or
// fails it: the test bed runs no controller-manager or kubelet).
func hookFiles(ns, outcome string) map[string]string {
	job := func(meta, ann, cmd string) string {
		return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
%s  namespace: %s
  annotations:
%sspec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: example.com/tools:1.4
        command: [%s]
`, meta, ns, ann, cmd)
	}
	return map[string]string{
		"apps/jobs/k8s/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n",
		"apps/jobs/k8s/config.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: " + ns + "\ndata:\n  v: \"1\"\n",
		"apps/jobs/k8s/hooks.yaml": job("  generateName: migrate-\n",
			"    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n    "+testenv.JobOutcomeAnnotation+": "+outcome+"\n", "/bin/migrate, --up") +
			"---\n" + job("  name: notify\n", "    argocd.argoproj.io/hook: PostSync\n", "/bin/notify") +
			"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n  namespace: " + ns + "\n  annotations:\n    argocd.argoproj.io/hook: Skip\n",
	}
}

func TestHooksRunInTheirPhase(t *testing.T) {
	b := startBot(t)
	ns := unique("hooks")
	ctx := jobsFinishIn(t, ns) // as the Job controller would
	r := newRepo(t, hookFiles(ns, "complete"))
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/jobs/k8s"), "Registered deployment `jobs`")

	got := c.reply("/rigel diff jobs")
	mustContain(t, got, "2 hooks to run, 1 hook not run",
		"**Before the objects** (pre-install/pre-upgrade, PreSync)",
		"`Job/"+ns+"/migrate-*` from `apps/jobs/k8s/hooks.yaml`", "`example.com/tools:1.4` `/bin/migrate --up`", "when it succeeds",
		"**After every object is healthy**", "`Job/"+ns+"/notify`",
		"**Not run by Rigel**", "<code>ConfigMap/"+ns+"/skipped</code>", "the object is neither applied nor run")
	mustNotContain(t, got, "create <code>Job/", "create <code>ConfigMap/"+ns+"/skipped")

	c.reply("/rigel sync jobs")
	got = c.reply("/rigel apply jobs")
	mustContain(t, got, "Succeeded", "1 created, 1 changed", "3 hooks",
		"| pre | ✅ Succeeded | the Job completed | hook-succeeded |",
		"`Job/"+ns+"/notify` | post | ✅ Succeeded |",
		"`ConfigMap/"+ns+"/skipped` | not run | ➖ not run |",
		"(no logs: the Job has no pod)")

	jobs, err := kc.Typed.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range jobs.Items {
		names = append(names, j.Name)
		if j.Annotations["helmsman.dev/source-repo"] != "jobs" {
			t.Errorf("hook %s has no provenance: %v", j.Name, j.Annotations)
		}
	}
	if strings.Join(names, ",") != "notify" {
		t.Errorf("jobs left %v: the migration (HookSucceeded) should be deleted, notify kept", names)
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "skipped", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Skip object was applied: %v", err)
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "app", metav1.GetOptions{}); err != nil {
		t.Errorf("the ConfigMap was not applied: %v", err)
	}
}

// A PreSync hook that fails stops the apply: nothing else is applied, and the reply says so.
func TestHooksPreSyncFailureStopsTheApply(t *testing.T) {
	b := startBot(t)
	ns := unique("hookfail")
	ctx := jobsFinishIn(t, ns) // as the Job controller would
	r := newRepo(t, hookFiles(ns, "fail"))
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/jobs/k8s"), "Registered deployment `jobs`")
	c.reply("/rigel sync jobs")
	got := c.reply("/rigel apply jobs")
	mustContain(t, got, "Failed", "| pre | ❌ Failed | the Job failed: BackoffLimitExceeded",
		"not applied: the pre hook Job/"+ns+"/migrate-", "| post | ⏭ Skipped | not run: the apply is Failed |")
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "app", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the ConfigMap was applied after a failed PreSync hook: %v", err)
	}
}

// jobsFinishIn creates namespace ns and, until the test ends, completes or fails its Jobs as
// the Job controller would (the test bed runs no controller-manager): testenv.RunJobStatus.
// It returns the context that lasts the test.
func jobsFinishIn(t *testing.T, ns string) context.Context { return jobsIn(t, ns, false) }

// jobsWithLogsIn is jobsFinishIn with the Jobs' pods on a kubelet stand-in
// (testenv.StartKubelet), so that their logs (testenv.JobLogAnnotation) are read through the
// apiserver as Rigel reads them.
func jobsWithLogsIn(t *testing.T, ns string) context.Context { return jobsIn(t, ns, true) }

func jobsIn(t *testing.T, ns string, logs bool) context.Context {
	t.Helper()
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var kubelet *testenv.Kubelet
	if logs {
		k, err := testenv.StartKubelet(ctx, kc.Typed, "node-"+ns)
		if err != nil {
			t.Fatal(err)
		}
		kubelet = k
	}
	if err := testenv.RunJobStatusOn(ctx, cluster.Config, ns, kubelet); err != nil {
		t.Fatal(err)
	}
	return ctx
}
