package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// TestDriftReplicas (issue 12, part N): with two replicas, the drift the leader finds is
// known to the other one — its `/rigel list` and GET /api/git/sources show it — through
// ConfigMap rigel-drift, while the registry holds no drift. A deployment whose apply lock is
// held is skipped, not reported: "skipped: an apply of it was running", with the check
// before; the lock is looked at, never taken.
func TestDriftReplicas(t *testing.T) {
	tune := func(s *config.Settings) { s.APIToken, s.DriftInterval = apiToken, time.Second }
	a := startReplica(t, "", "rigel-a", tune)
	b := startReplica(t, a.namespace, "rigel-b", tune)
	waitUntil(t, 20*time.Second, "no replica leads", func() bool { return a.app.Leader() || b.app.Leader() })
	leader, follower := a, b
	if b.app.Leader() {
		leader, follower = b, a
	}
	ns := unique("driftrep")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("repweb")
	c := follower.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")

	waitAPIDrift := func(who *replica, state string) map[string]any {
		t.Helper()
		var d map[string]any
		waitUntil(t, 20*time.Second, who.identity+" never showed "+name+" "+state, func() bool {
			d = apiDrift(who.bot, name)
			return d["state"] == state
		})
		return d
	}
	waitAPIDrift(follower, "in-sync")
	mustContain(t, c.reply("/rigel list"), "in sync with")

	// A hand edit: the leader finds it, the follower shows it.
	handEdit(t, ns, "web-config", "LOG_LEVEL", "debug") // as kubectl edit makes it
	ctx := context.Background()
	if d := waitAPIDrift(follower, "drifted"); d["update"] != float64(1) || d["drifted"] != true {
		t.Fatalf("the follower's API drift after a hand edit: %v, want drifted with 1 update", d)
	}
	if follower.app.Leader() {
		t.Fatal("the follower became the leader: the test shows nothing")
	}
	mustContain(t, c.reply("/rigel list"), "**drifted**", "update 1 object", "/rigel sync "+name)
	state, err := kc.Typed.CoreV1().ConfigMaps(a.namespace).Get(ctx, config.DriftConfigMap, metav1.GetOptions{})
	if err != nil || !strings.Contains(state.Data["drift.json"], name) {
		t.Fatalf("ConfigMap %s: %v %v, want the drift of %s", config.DriftConfigMap, state.Data, err, name)
	}
	reg, err := kc.Typed.CoreV1().ConfigMaps(a.namespace).Get(ctx, config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range reg.Data {
		if strings.Contains(v, "drifted") || strings.Contains(v, "checkedAt") {
			t.Fatalf("the registry's %s holds drift state:\n%s", k, v)
		}
	}

	// An apply of it runs (its lock held, as by another replica): skipped, not checked.
	now := metav1.NewMicroTime(time.Now())
	holder, secs := "rigel-elsewhere", int32(600)
	lock := &coordv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "rigel-deploy-" + name, Namespace: a.namespace, Labels: map[string]string{"rigel.dev/lease": "deploy"},
			Annotations: map[string]string{"rigel.dev/command": "/rigel apply " + name}},
		Spec: coordv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now},
	}
	leasesAPI := kc.Typed.CoordinationV1().Leases(a.namespace)
	created, err := leasesAPI.Create(ctx, lock, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitAPIDrift(follower, "skipped")
	mustContain(t, c.reply("/rigel list"), "skipped at", "an apply of it was running", "Before: ⚠️ **drifted**")
	if l, err := leasesAPI.Get(ctx, lock.Name, metav1.GetOptions{}); err != nil || *l.Spec.HolderIdentity != holder || l.ResourceVersion != created.ResourceVersion {
		t.Fatalf("the lock after the sweeps: %+v %v; want untouched", l, err)
	}
	if err := leasesAPI.Delete(ctx, lock.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAPIDrift(follower, "drifted")
	waitAPIDrift(leader, "drifted")
}
