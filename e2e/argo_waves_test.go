package e2e

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// waveFiles is a folder written for Argo CD with sync waves and hooks: a ConfigMap in wave -1,
// a Deployment in wave 0 (stuck: never healthy, when stuck is set), a ConfigMap in wave 1, a
// PreSync migration Job (deleted when it succeeds), a PostSync and a SyncFail Job, each
// printing a log line through the kubelet stand-in; and objects with sync options.
func waveFiles(ns string, stuck bool) map[string]string {
	job := func(name, ann, log string) string {
		return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %s
  namespace: %s
  annotations:
%s    %s: %q
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: example.com/tools:1.4
        command: [/bin/%s]
`, name, ns, ann, testenv.JobLogAnnotation, log, name)
	}
	cm := func(name, ann string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  annotations:\n" + ann + "data:\n  v: \"1\"\n"
	}
	stuckAnn := ""
	if stuck {
		stuckAnn = "    " + testenv.StuckAnnotation + ": \"true\"\n"
	}
	return map[string]string{
		"apps/waves/k8s/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n",
		"apps/waves/k8s/config.yaml": cm("schema", "    argocd.argoproj.io/sync-wave: \"-1\"\n") + "---\n" +
			cm("frontend", "    argocd.argoproj.io/sync-wave: \"1\"\n    argocd.argoproj.io/sync-options: Prune=false,PruneLast=true\n"),
		"apps/waves/k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: " + ns + "\n  annotations:\n" + stuckAnn +
			"    argocd.argoproj.io/sync-wave: \"0\"\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n",
		"apps/waves/k8s/hooks.yaml": job("migrate", "    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n", "migrated 4 tables") +
			"---\n" + job("notify", "    argocd.argoproj.io/hook: PostSync\n", "sent the release note") +
			"---\n" + job("rollback", "    argocd.argoproj.io/hook: SyncFail\n", "paged the on-call"),
	}
}

// creationOrder lists the ConfigMaps of namespace ns by creation (their resourceVersion, never
// changed since created: the apiserver's order), as "ConfigMap/name".
func creationOrder(t *testing.T, ctx context.Context, ns string) []string {
	t.Helper()
	type created struct {
		rv   int64
		name string
	}
	var all []created
	cms, err := kc.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range cms.Items {
		if o.Name == "kube-root-ca.crt" {
			continue
		}
		rv, _ := strconv.ParseInt(o.ResourceVersion, 10, 64) // never changed since created
		all = append(all, created{rv, "ConfigMap/" + o.Name})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].rv < all[j].rv })
	out := make([]string, len(all))
	for i, c := range all {
		out[i] = c.name
	}
	return out
}

func TestArgoWavesAndHooks(t *testing.T) {
	b := startBot(t)
	ns := unique("waves")
	ctx := jobsWithLogsIn(t, ns)
	r := newRepo(t, waveFiles(ns, false))
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/waves/k8s"), "Registered deployment `waves`")

	got := c.reply("/rigel sync waves")
	mustContain(t, got, "applied in 3 sync waves", "3 sync waves (<code>argocd.argoproj.io/sync-wave</code>), lowest first",
		"| -1 | `ConfigMap/"+ns+"/schema` | — |", "| 0 | `Deployment/"+ns+"/web` | — |", "| 1 | `ConfigMap/"+ns+"/frontend` | — |",
		"`Prune=false`: prune never deletes this object", "Not honoured by Rigel: argocd.argoproj.io/sync-options: PruneLast=true",
		"**Before the objects**", "`Job/"+ns+"/migrate`", "**Only if the apply fails** (SyncFail)")

	got = c.reply("/rigel apply waves")
	mustContain(t, got, "Succeeded", "`Job/"+ns+"/migrate` | pre | ✅ Succeeded", "`Job/"+ns+"/notify` | post | ✅ Succeeded",
		"`Job/"+ns+"/rollback` | fail | ⏭ Skipped", "migrated 4 tables", "sent the release note")
	mustNotContain(t, got, "Sync waves:**", "paged the on-call")
	if order := strings.Join(creationOrder(t, ctx, ns), " "); order != "ConfigMap/schema ConfigMap/frontend" {
		t.Errorf("creation order %s", order)
	}
	// The frontend ConfigMap (wave 1) was created after web (wave 0) was healthy.
	web, err := kc.Typed.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	front, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "frontend", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if wrv, frv := atoi(web.ResourceVersion), atoi(front.ResourceVersion); web.Status.AvailableReplicas != 1 || frv < wrv {
		t.Errorf("wave 1 (rv %d) created before wave 0 was healthy (rv %d of its healthy status)", frv, wrv)
	}
	if _, err := kc.Typed.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("HookSucceeded: the migration Job is still there: %v", err)
	}
	if _, err := kc.Typed.BatchV1().Jobs(ns).Get(ctx, "notify", metav1.GetOptions{}); err != nil {
		t.Errorf("notify (BeforeHookCreation) should stay until the next run: %v", err)
	}
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// A wave that is not healthy in time stops the apply: the next wave is not applied, the reply
// says so, and the SyncFail hook runs (its log in the reply).
func TestArgoWaveUnhealthyStops(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) { s.ApplyWait = 2 * time.Second })
	ns := unique("wavestop")
	ctx := jobsWithLogsIn(t, ns)
	r := newRepo(t, waveFiles(ns, true))
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/waves/k8s"), "Registered deployment `waves`")
	c.reply("/rigel sync waves")
	got := c.reply("/rigel apply waves")
	mustContain(t, got, "Failed", "**Sync waves:** stopped at wave 0: wave 0 did not become healthy within 2s; waves 1 not applied",
		"not applied (wave 1)", "`Job/"+ns+"/rollback` | fail | ✅ Succeeded", "paged the on-call", "`Job/"+ns+"/notify` | post | ⏭ Skipped")
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "frontend", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("wave 1 was applied after an unhealthy wave 0: %v", err)
	}
}

// Replace=true and Replace=true,Force=true are said in the preview and applied as a replace
// (a label another tool set is gone) and as a delete and create (a new UID); an option Rigel
// does not know is listed.
func TestArgoSyncOptionsReplaceForce(t *testing.T) {
	b := startBot(t)
	ns := unique("argoopts")
	cm := func(name, opts string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
			"\n  annotations:\n    argocd.argoproj.io/sync-options: " + opts + "\ndata:\n  v: \"1\"\n"
	}
	r := newRepo(t, map[string]string{
		"apps/opts/k8s/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n",
		"apps/opts/k8s/config.yaml":    cm("replaced", "Replace=true") + "---\n" + cm("forced", "Replace=true,Force=true") + "---\n" + cm("other", "CreateNamespace=true"),
	})
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/opts/k8s"), "Registered deployment `opts`")
	c.reply("/rigel sync opts")
	mustContain(t, c.reply("/rigel apply opts"), "Succeeded")
	ctx := context.Background()
	cms := kc.Typed.CoreV1().ConfigMaps(ns)
	before := map[string]string{}
	for _, n := range []string{"replaced", "forced"} {
		o, err := cms.Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before[n] = string(o.UID)
		o.Labels = map[string]string{"by": "hand"}
		if _, err := cms.Update(ctx, o, metav1.UpdateOptions{FieldManager: "someone"}); err != nil {
			t.Fatal(err)
		}
	}
	got := c.reply("/rigel sync opts")
	mustContain(t, got, "<code>ConfigMap/"+ns+"/replaced</code> from <code>apps/opts/k8s/config.yaml</code> — Replace=true: replaced", "Force=true: deleted and created again",
		"Not honoured by Rigel: argocd.argoproj.io/sync-options: CreateNamespace=true")
	mustContain(t, c.reply("/rigel apply opts"), "Succeeded")
	rep, err := cms.Get(ctx, "replaced", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Labels["by"] != "" || string(rep.UID) != before["replaced"] {
		t.Errorf("replaced: labels %v, uid %s (was %s): want the label gone, the same object", rep.Labels, rep.UID, before["replaced"])
	}
	forced, err := cms.Get(ctx, "forced", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if forced.Labels["by"] != "" || string(forced.UID) == before["forced"] {
		t.Errorf("forced: labels %v, uid %s (was %s): want a new object", forced.Labels, forced.UID, before["forced"])
	}
}
