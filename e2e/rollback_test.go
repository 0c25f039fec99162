package e2e

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// rbConfigMap is the ConfigMap of the rollback test folder, with level as its data.
func rbConfigMap(ns, level string) map[string]string {
	return map[string]string{"apps/web/k8s/config.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: %s\ndata:\n  LOG_LEVEL: %s\n", ns, level)}
}

// TestRollback (issue 12): apply commit A, push B and apply it; `/rigel rollback` previews A's
// spec and arms it; a push meanwhile does not change what the apply applies (the pinned commit,
// not the branch's tip); the apply restores A and the registry records a rollback; a second
// rollback offers B. In a pull request a rollback is refused, and a commit outside the history
// is refused with the commits there are. The HTTP API does the same.
func TestRollback(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("rollback")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, rbConfigMap(ns, "alpha"))
	c := b.issue(r)
	ctx := context.Background()
	level := func() string {
		t.Helper()
		cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "web-config", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["LOG_LEVEL"]
	}
	web := func() config.Deployment {
		t.Helper()
		_, d := b.registry().FindDeployment("web")
		if d == nil || d.LastSync == nil {
			t.Fatalf("web is not registered, or not synced: %+v", d)
		}
		return *d
	}

	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s"), "Registered deployment `web`")
	mustContain(t, c.reply("/rigel rollback web"), "`web` was never synced, so there is nothing to roll back to")
	mustContain(t, c.reply("/rigel sync web"), "1 to create")
	mustContain(t, c.reply("/rigel apply web"), "Succeeded")
	a := web().LastSync.Commit
	mustContain(t, c.reply("/rigel rollback web"), "synced only once", "no earlier sync to roll back to")

	bSHA, err := git.Commit(r.full, "main", rbConfigMap(ns, "beta"), "beta")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel sync web"), "1 to change")
	mustContain(t, c.reply("/rigel apply web"), "Succeeded")
	if level() != "beta" || web().LastSync.Commit != bSHA {
		t.Fatalf("after applying B: LOG_LEVEL %q, last sync %+v", level(), web().LastSync)
	}

	mustContain(t, c.reply("/rigel history web"), "| last | `"+bSHA[:7]+"` |", "| 1 | `"+a[:7]+"` |", "`/rigel rollback web` previews the rollback to `"+a[:7]+"`")

	got := c.reply("/rigel rollback web")
	mustContain(t, got, "**Rigel rollback preview of `web` at `"+a[:7]+"`:** 0 to create, 1 to change", "Rolls `web` back to commit `"+a[:7]+"`",
		"-  LOG_LEVEL: beta", "+  LOG_LEVEL: alpha", "`/rigel apply web` applies exactly this rollback")
	if level() != "beta" {
		t.Fatal("the rollback preview changed the cluster")
	}

	// A push after the rollback preview: the apply still applies the pinned commit A.
	if _, err := git.Commit(r.full, "main", rbConfigMap(ns, "gamma"), "gamma"); err != nil {
		t.Fatal(err)
	}
	got = c.reply("/rigel apply web")
	mustContain(t, got, "Rigel applied `web` at `"+a[:7]+"`: Succeeded", "as a rollback")
	if level() != "alpha" {
		t.Fatalf("after the rollback LOG_LEVEL is %q, want A's alpha", level())
	}
	d := web()
	if d.LastSync.Commit != a || d.LastSync.Kind != config.SyncKindRollback || len(d.History) < 2 || d.History[0].Commit != bSHA {
		t.Fatalf("the registry records %+v, history %+v; want a rollback to %s after %s", d.LastSync, d.History, a, bSHA)
	}
	mustContain(t, c.reply("/rigel apply web"), "already applied")

	// A second rollback offers B, the sync the first replaced.
	mustContain(t, c.reply("/rigel rollback web"), "rollback preview of `web` at `"+bSHA[:7]+"`", "+  LOG_LEVEL: beta")

	t.Run("refusals", func(t *testing.T) {
		before := b.registryYAML()
		mustContain(t, c.reply("/rigel rollback web deadbeef"), "`deadbeef` is not a commit of the history of `web`", "`/rigel rollback web "+bSHA[:7]+"`")
		mustContain(t, c.reply("/rigel rollback web HEAD~1"), "`HEAD~1` is not a commit")
		mustContain(t, c.reply("/rigel rollback"), "`rollback` takes a deployment")
		mustContain(t, c.reply("/rigel rollback web "+a[:7]+" "+bSHA[:7]), "`rollback` takes a deployment")
		mustContain(t, c.reply("/rigel rollback nope"), "no deployment", "nope")
		reader := unique("reader")
		gh.SetPermission(r.full, reader, "read")
		mustContain(t, c.replyAs(reader, "/rigel rollback web"), "`/rigel rollback` needs `write` or higher")
		mustContain(t, c.replyAs(reader, "/rigel history web"), "Sync history of `web`")
		pr := b.pull(r, bSHA)
		mustContain(t, pr.reply("/rigel rollback web"), "is not typed here", "in an issue of "+r.full)
		if after := b.registryYAML(); after != before {
			t.Errorf("a refused rollback changed the registry:\n%s\n%s", before, after)
		}
		if level() != "alpha" {
			t.Errorf("a refused rollback changed the cluster: LOG_LEVEL %q", level())
		}
	})

	t.Run("the HTTP API", func(t *testing.T) {
		p := b.api("POST", "/api/git/sync", map[string]any{"deployment": "web", "rollback": true, "commit": bSHA[:9]}, 200)
		apply, _ := p.body["apply"].(map[string]any)
		rb, _ := p.body["rollback"].(map[string]any)
		to, _ := rb["to"].(map[string]any)
		if p.str("commit") != bSHA || apply["rollback"] != true || apply["commit"] != bSHA || to["commit"] != bSHA {
			t.Fatalf("the rollback preview: %s", p.raw)
		}
		b.api("POST", "/api/git/sync", map[string]any{"deployment": "web", "rollback": true, "commit": "0000000"}, 400)
		bad := map[string]any{}
		for k, v := range apply {
			bad[k] = v
		}
		bad["rollback"] = false // the same body as a plain apply: the commit is not the tip
		mustContain(t, b.api("POST", "/api/git/sync", bad, 409).str("error"), "Nothing was applied")

		// A hand edit since the preview: refused, with the rollback to preview again.
		cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, "web-config", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Data["LOG_LEVEL"] = "by-hand"
		if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, b.api("POST", "/api/git/sync", apply, 409).str("error"), "since the rollback preview", `"rollback": true, "commit": "`+bSHA+`"`)
		if level() != "by-hand" {
			t.Fatalf("a stale rollback changed the cluster: %q", level())
		}
		p = b.api("POST", "/api/git/sync", map[string]any{"deployment": "web", "rollback": true, "commit": bSHA}, 200)
		apply, _ = p.body["apply"].(map[string]any)
		done := b.api("POST", "/api/git/sync", apply, 200)
		last, _ := done.body["lastSync"].(map[string]any)
		if last["kind"] != config.SyncKindRollback || last["commit"] != bSHA || level() != "beta" {
			t.Fatalf("the rollback apply: %s (LOG_LEVEL %q)", done.raw, level())
		}
	})
}
