package sync

import (
	"context"
	"strings"
	gosync "sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// The test bed runs no kube-controller-manager and no kubelet, so a hook Job never completes
// by itself. jobController plays the Job controller for the hook tests: it watches the Jobs
// of a namespace and, for each new one, records what existed then (to prove the order) and
// writes the status a finished Job has (Complete or Failed, through the status subresource,
// as the controller does), as decide says: true succeeds, false fails, and a name decide does
// not know is left running.
type jobController struct {
	mu    gosync.Mutex
	seen  []string // "job-name (configmap present|absent)" in the order first seen
	names map[string]bool
}

func runJobController(t *testing.T, ctx context.Context, ns, watchCM string, decide func(name string) (succeed, known bool)) *jobController {
	t.Helper()
	cs := theClient.Typed
	jc := &jobController{names: map[string]bool{}}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			list, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
			if err == nil {
				for i := range list.Items {
					j := &list.Items[i]
					if !jc.names[string(j.UID)] {
						jc.names[string(j.UID)] = true
						state := "absent"
						if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, watchCM, metav1.GetOptions{}); err == nil {
							state = "present"
						}
						jc.mu.Lock()
						jc.seen = append(jc.seen, j.Name+" (configmap "+state+")")
						jc.mu.Unlock()
					}
					if len(j.Status.Conditions) > 0 {
						continue
					}
					succeed, known := decide(j.Name)
					if !known {
						continue
					}
					_, _ = cs.BatchV1().Jobs(ns).UpdateStatus(ctx, testenv.FinishedJob(j, succeed), metav1.UpdateOptions{})
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return jc
}

func (jc *jobController) order() string {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	return strings.Join(jc.seen, "\n")
}

func hookJob(ns, name, ann string) string {
	meta := "  namespace: " + ns + "\n  name: " + name + "\n"
	if strings.HasSuffix(name, "-") {
		meta = "  namespace: " + ns + "\n  generateName: " + name + "\n"
	}
	return "apiVersion: batch/v1\nkind: Job\nmetadata:\n" + meta + "  annotations:\n" + ann +
		"spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: run\n        image: example.com/tools:1\n        command: [/bin/run, " + strings.TrimSuffix(name, "-") + "]\n"
}

func hookCM(name, ns, value string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\ndata:\n  v: \"" + value + "\"\n"
}

func hookSummary(res *Result) string {
	var b strings.Builder
	for _, h := range res.Hooks {
		name := h.Ref.Name
		if i := strings.LastIndex(name, "-"); i > 0 && strings.HasPrefix(name, "migrate-") && len(name) > len("migrate-") {
			name = "migrate-*" // a generated name
		}
		b.WriteString(string(h.Stage) + " " + h.Ref.Kind + "/" + name + " " + h.Outcome + " [" + strings.Join(h.Deleted, ",") + "]\n")
	}
	return b.String()
}

func jobGone(t *testing.T, ctx context.Context, ns, name string) bool {
	t.Helper()
	_, err := theClient.Typed.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return apierrors.IsNotFound(err)
}

// A plan keeps hooks apart from the objects; apply runs the pre hooks first (the ConfigMap
// does not exist when they are created), in weight order, then the objects, then the post
// hooks; the delete policies are observed on the apiserver; the hooks Rigel does not run are
// listed with why.
func TestHooksApplyInOrder(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hooks")
	prov := Provenance{Deployment: "web", Path: "charts/web", Commit: "c1"}
	in := objs(t, "charts/web/all.yaml",
		hookCM("app", ns, "1"),
		hookJob(ns, "migrate-", "    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"5\"\n    helm.sh/hook-delete-policy: hook-succeeded\n"),
		hookJob(ns, "schema", "    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"-1\"\n"),
		hookJob(ns, "notify", "    helm.sh/hook: post-install,post-upgrade\n"),
		hookJob(ns, "smoke", "    helm.sh/hook: test\n"),
	)
	p := mustDiff(t, e, ctx, in, prov)
	if got, want := actions(p), "ConfigMap/"+ns+"/app create\n"; got != want {
		t.Fatalf("the desired state holds the hooks:\n%s", got)
	}
	var got []string
	for _, h := range p.Hooks {
		got = append(got, string(h.Stage)+" "+h.Title()+" "+string(h.Action)+" "+h.NotRun)
	}
	want := []string{
		"pre Job/" + ns + "/schema create ",
		"pre Job/" + ns + "/migrate-* create ",
		"post Job/" + ns + "/notify create ",
		"not run Job/" + ns + "/smoke create test: a helm test hook: run by `helm test`, not by an apply",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hooks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := p.Hooks[1].Runs; len(r) != 1 || r[0].Image != "example.com/tools:1" || strings.Join(r[0].Command, " ") != "/bin/run migrate" {
		t.Errorf("runs %+v", r)
	}

	jc := runJobController(t, ctx, ns, "app", func(string) (bool, bool) { return true, true })
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 10 * time.Second, HookTimeout: 20 * time.Second})
	if res.Status != StatusSucceeded {
		t.Fatalf("apply: %s %+v", res.Status, res)
	}
	if got, want := hookSummary(res), "pre Job/schema Succeeded []\npre Job/migrate-* Succeeded [hook-succeeded]\npost Job/notify Succeeded []\nnot run Job/smoke not run []\n"; got != want {
		t.Fatalf("hook results:\n%s\nwant:\n%s", got, want)
	}
	order := strings.Split(jc.order(), "\n")
	if len(order) != 3 || order[0] != "schema (configmap absent)" || !strings.HasPrefix(order[1], "migrate-") ||
		!strings.HasSuffix(order[1], " (configmap absent)") || order[2] != "notify (configmap present)" {
		t.Fatalf("order of creation (and whether the ConfigMap existed then):\n%s", jc.order())
	}
	if !jobGone(t, ctx, ns, res.Hooks[1].Ref.Name) {
		t.Errorf("hook-succeeded: %s is still there", res.Hooks[1].Ref.Name)
	}
	if jobGone(t, ctx, ns, "schema") {
		t.Errorf("schema (before-hook-creation only) should stay until the next run")
	}
	if !strings.Contains(res.Hooks[0].Logs, "no logs") {
		t.Errorf("logs %q: the test bed has no pods", res.Hooks[0].Logs)
	}
	sj := live(t, ctx, Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: ns, Name: "schema"})
	if sj.GetAnnotations()[AnnotationSourceRepo] != "web" || sj.GetLabels()[LabelApplySetPartOf] != "" {
		t.Errorf("hook provenance %v labels %v", sj.GetAnnotations(), sj.GetLabels())
	}

	// The second time it is an upgrade: the pre-install-only hook does not run, the previous
	// notify is deleted before the new one is created (before-hook-creation).
	oldNotify := live(t, ctx, Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: ns, Name: "notify"}).GetUID()
	in2 := objs(t, "charts/web/all.yaml",
		hookCM("app", ns, "2"),
		hookJob(ns, "migrate-", "    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: hook-succeeded\n"),
		hookJob(ns, "schema", "    helm.sh/hook: pre-install\n"),
		hookJob(ns, "notify", "    helm.sh/hook: post-install,post-upgrade\n"),
	)
	p2 := mustDiff(t, e, ctx, in2, prov)
	if p2.Hooks[len(p2.Hooks)-1].Stage != HookNotRun || !strings.Contains(p2.Hooks[len(p2.Hooks)-1].NotRun, "pre-install: this apply is an upgrade") {
		t.Fatalf("schema on upgrade: %+v", p2.Hooks)
	}
	res = mustApply(t, e, ctx, p2, ApplyOptions{Wait: 10 * time.Second, HookTimeout: 20 * time.Second})
	if got, want := hookSummary(res), "pre Job/migrate-* Succeeded [hook-succeeded]\npost Job/notify Succeeded [before-hook-creation]\nnot run Job/schema not run []\n"; got != want || res.Status != StatusSucceeded {
		t.Fatalf("%s hook results:\n%s\nwant:\n%s", res.Status, got, want)
	}
	if live(t, ctx, Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: ns, Name: "notify"}).GetUID() == oldNotify {
		t.Errorf("notify was not created again")
	}
}

// A pre hook that fails stops the apply: no object is applied, the SyncFail hook runs, the
// hook-failed policy deletes the failed hook; a hook that does not complete in time fails
// the apply too.
func TestHooksPreSyncFails(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hookfail")
	prov := Provenance{Deployment: "api", Path: "apps/api", Commit: "c1"}
	in := objs(t, "apps/api/all.yaml",
		hookCM("app", ns, "1"),
		hookJob(ns, "migrate", "    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookFailed\n"),
		hookJob(ns, "cleanup", "    argocd.argoproj.io/hook: SyncFail\n"),
		hookJob(ns, "after", "    argocd.argoproj.io/hook: PostSync\n"),
	)
	p := mustDiff(t, e, ctx, in, prov)
	runJobController(t, ctx, ns, "app", func(name string) (bool, bool) { return name != "migrate", true })
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 5 * time.Second, HookTimeout: 20 * time.Second})
	if res.Status != StatusFailed {
		t.Fatalf("status %s", res.Status)
	}
	if got, want := hookSummary(res), "pre Job/migrate Failed [hook-failed]\npost Job/after Skipped []\nfail Job/cleanup Succeeded []\n"; got != want {
		t.Fatalf("hook results:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(res.Hooks[0].Message, "BackoffLimitExceeded") {
		t.Errorf("message %q", res.Hooks[0].Message)
	}
	if o := res.Objects[0]; o.Action != ActionError || !strings.Contains(o.Message, "not applied: the pre hook Job/"+ns+"/migrate did not succeed") {
		t.Errorf("object %+v", o)
	}
	if _, err := theClient.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "app", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the ConfigMap was applied after a failed pre hook: %v", err)
	}
	if !jobGone(t, ctx, ns, "migrate") {
		t.Errorf("hook-failed: migrate is still there")
	}

	// Nothing completes the hook: it times out, and the apply fails.
	ns2 := newNamespace(t, "hookslow")
	in = objs(t, "apps/api/all.yaml", hookCM("app", ns2, "1"), hookJob(ns2, "migrate", "    helm.sh/hook: pre-install\n"))
	p = mustDiff(t, e, ctx, in, prov)
	res = mustApply(t, e, ctx, p, ApplyOptions{HookTimeout: time.Second})
	if res.Status != StatusFailed || len(res.Hooks) != 1 || res.Hooks[0].Outcome != HookTimedOut || !strings.Contains(res.Hooks[0].Message, "did not complete within 1s") {
		t.Fatalf("%s %+v", res.Status, res.Hooks)
	}
}

// The digest covers the hooks; the policy and a live object of another deployment refuse a hook.
func TestHooksDigestAndRefusals(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hookdig")
	prov := Provenance{Deployment: "web", Path: "apps/web", Commit: "c1"}
	base := hookCM("app", ns, "1")
	a := mustDiff(t, e, ctx, objs(t, "f.yaml", base, hookJob(ns, "m", "    helm.sh/hook: pre-install\n")), prov)
	b := mustDiff(t, e, ctx, objs(t, "f.yaml", base, strings.Replace(hookJob(ns, "m", "    helm.sh/hook: pre-install\n"), "/bin/run", "/bin/other", 1)), prov)
	c := mustDiff(t, e, ctx, objs(t, "f.yaml", base), prov)
	d := mustDiff(t, e, ctx, objs(t, "f.yaml", base, hookJob(ns, "m", "    helm.sh/hook: pre-install\n    helm.sh/hook-delete-policy: hook-succeeded\n")), prov)
	if a.Digest == b.Digest || a.Digest == c.Digest || a.Digest == d.Digest {
		t.Fatalf("the digest does not cover the hooks: %s %s %s %s", a.Digest, b.Digest, c.Digest, d.Digest)
	}
	if again := mustDiff(t, e, ctx, objs(t, "f.yaml", base, hookJob(ns, "m", "    helm.sh/hook: pre-install\n")), prov); again.Digest != a.Digest {
		t.Fatalf("the digest is not stable")
	}

	// The policy refuses the hook: blocked, counted as violating, not run.
	refuse := func(c Change) []Violation {
		if c.Ref.Kind == "Job" {
			return []Violation{{Rule: "refusedKinds", Msg: "kind Job is refused"}}
		}
		return nil
	}
	p, err := e.DiffWith(ctx, objs(t, "f.yaml", base, hookJob(ns, "m", "    helm.sh/hook: pre-install\n")), prov, DiffOptions{Refuse: refuse})
	if err != nil {
		t.Fatal(err)
	}
	if p.Hooks[0].Action != ActionBlocked || len(p.Violating()) != 1 || p.Violating()[0].Ref.Kind != "Job" {
		t.Fatalf("policy: %+v", p.Hooks)
	}

	// A live Job of that name that is another deployment's: refused, never deleted.
	other := objs(t, "o.yaml", hookJob(ns, "m", ""))
	other[0].Obj.SetAnnotations(nil)
	op := mustDiff(t, e, ctx, other, Provenance{Deployment: "other", Path: "apps/other", Commit: "c0"})
	mustApply(t, e, ctx, op, ApplyOptions{})
	p = mustDiff(t, e, ctx, objs(t, "f.yaml", base, hookJob(ns, "m", "    helm.sh/hook: pre-install\n")), prov)
	if h := p.Hooks[0]; h.Action != ActionError || !strings.Contains(h.Err, "is not this deployment's") || h.Unmanaged == nil || h.Unmanaged.Deployment != "other" {
		t.Fatalf("hook over another deployment's Job: %+v", h)
	}
	if _, _, _, failed := p.Counts(); failed != 1 {
		t.Errorf("a refused hook is not counted as refused: %d", failed)
	}
	res := mustApply(t, e, ctx, p, ApplyOptions{HookTimeout: time.Second})
	if res.Status != StatusFailed || res.Hooks[0].Outcome != HookBlocked {
		t.Fatalf("%s %+v", res.Status, res.Hooks)
	}
	if live(t, ctx, Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: ns, Name: "m"}).GetAnnotations()[AnnotationSourceRepo] != "other" {
		t.Errorf("the other deployment's Job was replaced")
	}
}

// A hook in a Namespace the plan creates: previewed (not dry-run, said), run after the
// Namespace is applied.
func TestHooksInANamespaceOfThePlan(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := uniqueName("hooknew")
	prov := Provenance{Deployment: "web", Path: "apps/web", Commit: "c1"}
	in := objs(t, "f.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n", hookCM("app", ns, "1"),
		hookJob(ns, "migrate", "    helm.sh/hook: pre-install\n"))
	p := mustDiff(t, e, ctx, in, prov)
	if h := p.Hooks[0]; h.Action != ActionCreate || h.Err != "" || !strings.Contains(h.Note, "namespace "+ns+" is created by this plan") {
		t.Fatalf("hook %+v", h)
	}
	jc := runJobController(t, ctx, ns, "app", func(string) (bool, bool) { return true, true })
	res := mustApply(t, e, ctx, p, ApplyOptions{HookTimeout: 20 * time.Second})
	if res.Status != StatusSucceeded || hookSummary(res) != "pre Job/migrate Succeeded []\n" || jc.order() != "migrate (configmap absent)" {
		t.Fatalf("%s %s %s", res.Status, hookSummary(res), jc.order())
	}
}

// A Pod hook of Argo CD's Sync phase runs right after the objects and succeeds when its pod
// does (the test plays its kubelet: phase Succeeded through the status subresource); it is
// deleted as its policy says.
func TestHooksSyncPod(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hookpod")
	prov := Provenance{Deployment: "web", Path: "apps/web", Commit: "c1"}
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  namespace: " + ns + "\n  annotations:\n    argocd.argoproj.io/hook: Sync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n" +
		"spec:\n  restartPolicy: Never\n  containers:\n  - name: check\n    image: example.com/check:1\n    args: [--all]\n"
	p := mustDiff(t, e, ctx, objs(t, "f.yaml", hookCM("app", ns, "1"), pod), prov)
	if len(p.Hooks) != 1 || p.Hooks[0].Stage != HookSync || p.Hooks[0].Runs[0].Image != "example.com/check:1" {
		t.Fatalf("hooks %+v", p.Hooks)
	}
	cs := theClient.Typed
	sawCM := make(chan bool, 1)
	go func() {
		for ctx.Err() == nil {
			if pd, err := cs.CoreV1().Pods(ns).Get(ctx, "check", metav1.GetOptions{}); err == nil {
				_, cmErr := cs.CoreV1().ConfigMaps(ns).Get(ctx, "app", metav1.GetOptions{})
				sawCM <- cmErr == nil
				pd.Status.Phase = "Succeeded"
				_, _ = cs.CoreV1().Pods(ns).UpdateStatus(ctx, pd, metav1.UpdateOptions{})
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	res := mustApply(t, e, ctx, p, ApplyOptions{HookTimeout: 20 * time.Second})
	if res.Status != StatusSucceeded || hookSummary(res) != "sync Pod/check Succeeded [hook-succeeded]\n" {
		t.Fatalf("%s %s %+v", res.Status, hookSummary(res), res.Hooks)
	}
	if !<-sawCM {
		t.Errorf("the Sync hook ran before the objects were applied")
	}
	if !strings.Contains(res.Hooks[0].Logs, "no logs") || !strings.Contains(res.Hooks[0].Logs, "check") {
		t.Errorf("logs %q (the test bed has no kubelet to serve them)", res.Hooks[0].Logs)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "check", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("HookSucceeded: the pod is still there: %v", err)
	}
}

// A Rigel without the right to delete Jobs (the shipped install grants no delete) refuses in
// the preview a hook whose delete policy needs one, saying which right; a hook that needs no
// deletion previews as usual.
func TestHooksDeleteRight(t *testing.T) {
	ctx := testCtx(t)
	ns := newNamespace(t, "hookright")
	user := uniqueName("nodelete")
	cs := cluster(t).Typed
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: ns}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "create", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "create", "patch"}},
	}}
	if _, err := cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: user},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: user}}}
	if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(theCluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	kc, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{Kube: kc}
	prov := Provenance{Deployment: "web", Path: "apps/web", Commit: "c1"}
	in := objs(t, "f.yaml", hookCM("app", ns, "1"),
		hookJob(ns, "migrate", "    helm.sh/hook: pre-install\n    helm.sh/hook-delete-policy: hook-succeeded\n"),
		hookJob(ns, "seed-", "    helm.sh/hook: pre-install\n"))
	var p *Plan
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if p, err = e.Diff(ctx, in, prov); err == nil && p.Changes[0].Action == ActionCreate {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var migrate, seed HookChange
	for _, h := range p.Hooks {
		if h.Ref.Name == "migrate" {
			migrate = h
		} else {
			seed = h
		}
	}
	if migrate.Action != ActionError || !strings.Contains(migrate.Err, "its delete policy (hook-succeeded) needs Rigel to delete jobs.batch in namespace "+ns+", and it may not") {
		t.Fatalf("migrate: %s %q", migrate.Action, migrate.Err)
	}
	if seed.Action != ActionCreate || seed.Err != "" {
		t.Fatalf("seed: %s %q", seed.Action, seed.Err)
	}
	if _, _, _, failed := p.Counts(); failed != 1 {
		t.Errorf("refused: %d", failed)
	}
}

// A drift sweep previews no hook: the objects' state only, the hooks neither dry-run nor
// read (an apply previews again, without a Sweep); a preview of the same objects does.
func TestHooksNotInADriftSweep(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hooksweep")
	prov := Provenance{Deployment: "web", Path: "apps/web", Commit: "c1"}
	in := objs(t, "f.yaml", hookCM("app", ns, "1"), hookJob(ns, "m", "    helm.sh/hook: pre-install\n"))
	p, err := e.DiffWith(ctx, in, prov, DiffOptions{Sweep: NewSweep(4)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Hooks) != 0 || len(p.Changes) != 1 || p.Changes[0].Ref.Kind != "ConfigMap" {
		t.Fatalf("a sweep's plan: hooks %+v, changes %+v; want the ConfigMap only", p.Hooks, p.Changes)
	}
	if full := mustDiff(t, e, ctx, in, prov); len(full.Hooks) != 1 || len(full.Changes) != 1 {
		t.Fatalf("a preview's plan: hooks %+v, changes %+v; want the hook and the ConfigMap", full.Hooks, full.Changes)
	}
}
