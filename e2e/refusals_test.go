package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	gosync "sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/config"
)

func TestStalePlanIsRefused(t *testing.T) {
	b := startBot(t)
	ns := unique("stale")
	r := newRepo(t, webFiles(ns, 1, "pw-one"))
	c := b.issue(r)
	c.reply("/rigel add-deployment apps/web/k8s --name " + unique("stale-web"))
	name := b.registry().FindRepo(r.full).Deployments[0].Name

	t.Run("a new push since the sync", func(t *testing.T) {
		c.reply("/rigel sync " + name)
		if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webFiles(ns, 5, "")["apps/web/k8s/deploy/deployment.yaml"]}, "scale to 5"); err != nil {
			t.Fatal(err)
		}
		got := c.reply("/rigel apply " + name)
		mustContain(t, got, "Nothing was applied", "/rigel sync "+name, "is now")
		if _, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{}); err == nil {
			t.Fatal("a stale plan was applied")
		}
	})
	t.Run("the cluster changed since the sync", func(t *testing.T) {
		c.reply("/rigel sync " + name)
		c.reply("/rigel apply " + name)
		got := c.reply("/rigel sync " + name)
		mustContain(t, got, "0 to create, 0 to change")
		patch := []byte(`{"data":{"LOG_LEVEL":"debug"}}`)
		if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Patch(context.Background(), "web-config", types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "someone"}); err != nil {
			t.Fatal(err)
		}
		got = c.reply("/rigel apply " + name)
		mustContain(t, got, "changed since", "Nothing was applied")
		cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "web-config", metav1.GetOptions{})
		if err != nil || cm.Data["LOG_LEVEL"] != "debug" {
			t.Fatalf("the refused apply touched the ConfigMap: %v %v", cm.Data, err)
		}
	})
	t.Run("a plan marker typed by a person is not trusted", func(t *testing.T) {
		other := b.issue(r)
		other.post(fmt.Sprintf("<!-- rigel:plan deployment=%s commit=%s digest=%s -->", name, strings.Repeat("a", 40), strings.Repeat("b", 64)))
		got := other.reply("/rigel apply " + name)
		mustContain(t, got, "nothing was previewed")
	})
}

func TestPullRequestDiffsItsHead(t *testing.T) {
	b := startBot(t)
	ns := unique("pr")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("prweb")
	b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
	head, err := git.Commit(r.full, "feature", map[string]string{"apps/web/k8s/extra.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: %s\n", ns)}, "add extra")
	if err != nil {
		t.Fatal(err)
	}
	pr := b.pull(r, head)
	got := pr.reply("/rigel diff " + name)
	mustContain(t, got, "PR #", head, "ConfigMap/"+ns+"/extra", "5 to create")
}

func TestBadInputGetsAClearReply(t *testing.T) {
	b := startBot(t)
	ns := unique("bad")
	files := webFiles(ns, 1, "pw")
	files["apps/broken/k8s/ok.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
	files["apps/broken/k8s/bad.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: [x\n"
	files["docs/readme.txt"] = "no manifests here\n"
	r := newRepo(t, files)
	c := b.issue(r)
	cases := []struct {
		name, say string
		want      []string
	}{
		{"parse error names file and line", "/rigel add-deployment apps/broken/k8s", []string{"apps/broken/k8s/bad.yaml", "line 10"}},
		{"path outside the repo", "/rigel add-deployment ../../etc", []string{"leaves the repository"}},
		{"absolute path", "/rigel add-deployment /etc/kubernetes", []string{"absolute path"}},
		{"missing folder", "/rigel add-deployment apps/nope", []string{"`apps/nope`", "does not exist", "/rigel add-deployment` without a path"}},
		{"folder without manifests", "/rigel add-deployment docs", []string{"holds no manifests"}},
		{"shell metacharacters", "/rigel add-deployment apps/web;rm", []string{"does not accept"}},
		{"command substitution", "/rigel add-deployment $(id)", []string{"does not accept"}},
		{"unicode look-alike slash", "/rigel add-deployment apps∕web", []string{"does not accept"}},
		{"mistyped verb", "/rigel dif web", []string{"Did you mean `diff`?"}},
		{"unknown deployment", "/rigel diff nosuch", []string{"no deployment named `nosuch`"}},
		{"unknown flag", "/rigel list --verbose", []string{"`--verbose`"}},
		{"apply with nothing registered", "/rigel apply", []string{"has no deployments yet"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.reply(tc.say)
			mustContain(t, got, append([]string{"❌"}, tc.want...)...)
		})
	}
	if src := b.registry(); len(src.Repos) != 0 {
		t.Errorf("bad input changed the registry: %+v", src)
	}
}

func TestHelpAndSeveralCommands(t *testing.T) {
	b := startBot(t)
	r := newRepo(t, webFiles(unique("help"), 1, "pw"))
	c := b.issue(r)
	got := c.reply("/rigel help")
	mustContain(t, got, "/rigel add-deployment", "/rigel diff", "/rigel sync", "/rigel apply", "/rigel list", "**Next:**")
	replies := c.say("Let's go:\n/rigel add-deployment apps/web/k8s --name "+unique("multi")+"\n/rigel list\n```\n/rigel apply\n```\n", 2)
	mustContain(t, replies[0].Body, "Registered deployment")
	mustContain(t, replies[1].Body, "apps/web/k8s")
	if n := len(c.botComments()); n != 3 {
		t.Errorf("got %d bot comments, want 3 (a command in a code fence must not run)", n)
	}
}

func TestIgnoredComments(t *testing.T) {
	b := startBot(t)
	r := newRepo(t, webFiles(unique("ign"), 1, "pw"))
	c := b.issue(r)
	c.post("/rigel help", func(o *commentOpts) { o.User, o.UserType = "rigel[bot]", "Bot" })
	c.post("/rigel help", func(o *commentOpts) { o.User, o.UserType = "dependabot[bot]", "Bot" })
	c.post("/rigel help", func(o *commentOpts) { o.Action = "edited" })
	c.post("/rigel help", func(o *commentOpts) { o.Action = "deleted" })
	c.reply("/rigel list") // a person's command is answered, after the ignored ones were processed
	if got := c.botComments(); len(got) != 1 {
		t.Errorf("got %d bot comments, want only the reply to the person: %+v", len(got), got)
	}
}

func TestNameClashAcrossRepos(t *testing.T) {
	b := startBot(t)
	r1 := newRepo(t, webFiles(unique("c1"), 1, "pw"))
	r2 := newRepo(t, webFiles(unique("c2"), 1, "pw"))
	b.issue(r1).reply("/rigel add-deployment apps/web/k8s")
	got := b.issue(r2).reply("/rigel add-deployment apps/web/k8s")
	mustContain(t, got, "already taken", r1.full, "--name")
	if repo := b.registry().FindRepo(r2.full); repo != nil {
		t.Errorf("the clash registered %+v", repo)
	}
}

func TestConcurrentAddDeploymentsAllPersist(t *testing.T) {
	b := startBot(t)
	files := map[string]string{}
	const n = 20
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("apps/svc%d/k8s/cm.yaml", i)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: svc%d\n", i)
	}
	r := newRepo(t, files)
	convs := make([]*conversation, n)
	for i := range convs {
		convs[i] = b.issue(r)
	}
	var wg gosync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			convs[i].post(fmt.Sprintf("/rigel add-deployment apps/svc%d/k8s", i))
		}(i)
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		convs[i].waitReplies(1)
	}
	repo := b.registry().FindRepo(r.full)
	if repo == nil || len(repo.Deployments) != n {
		t.Fatalf("registry holds %+v, want %d deployments", repo, n)
	}
}

func TestLegacyConfigMapIsMigrated(t *testing.T) {
	b := startBot(t)
	files := webFiles(unique("leg"), 1, "pw")
	files["apps/api/k8s/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n"
	r := newRepo(t, files)
	legacy := fmt.Sprintf(`[{"name":"Old-Web","repo":%q,"branch":"main","path":"apps/web/k8s","lastSyncCommit":"0123456789abcdef0123456789abcdef01234567","lastSyncTime":"2025-01-02T03:04:05Z","lastSyncStatus":"Succeeded"}]`, r.full)
	createLegacy(t, b.namespace, legacy)
	got := b.issue(r).reply("/rigel list")
	mustContain(t, got, "`old-web`", "`apps/web/k8s`", "0123456", "Succeeded")
	// the first write stores the new layout
	mustContain(t, b.issue(r).reply("/rigel add-deployment apps/api/k8s"), "Registered deployment `api`")
	cm := getConfigMap(t, b.namespace, config.SourcesConfigMap)
	if cm.Data["version"] != "2" || !strings.Contains(cm.Data["repos.yaml"], "old-web") {
		t.Errorf("ConfigMap after migration = %v", cm.Data)
	}
	if _, ok := cm.Data["sources"]; ok {
		t.Error("the legacy key is still there after a write")
	}
	_ = base64.StdEncoding
}
