package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

func TestRemoveDeployment(t *testing.T) {
	b := startBot(t)
	r := newRepo(t, webFiles(unique("rm"), 1, "pw"))
	other := newRepo(t, webFiles(unique("rm"), 1, "pw"))
	c := b.issue(r)
	name := unique("rmweb")
	c.reply("/rigel add-deployment apps/web/k8s --name " + name)
	tests := []struct {
		name string
		conv *conversation
		say  string
		want []string
	}{
		{"no name", c, "/rigel remove-deployment", []string{"❌", "takes one deployment name"}},
		{"unknown name", c, "/rigel remove-deployment nosuch", []string{"❌", "no deployment named `nosuch`", name}},
		{"from another repo", b.issue(other), "/rigel remove-deployment " + name, []string{"❌", "belongs to " + r.full}},
		{"removed", c, "/rigel remove-deployment " + name, []string{"✅ Removed deployment `" + name + "`", "The objects it applied stay in the cluster"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustContain(t, tc.conv.reply(tc.say), tc.want...)
		})
	}
	if repo := b.registry().FindRepo(r.full); repo != nil {
		t.Errorf("the repo is still registered: %+v", repo)
	}
	mustContain(t, c.reply("/rigel list"), "no deployments yet")
}

func TestKustomizeFolder(t *testing.T) {
	b := startBot(t)
	ns := unique("kust")
	files := map[string]string{
		"base/kustomization.yaml":          "resources:\n- cm.yaml\n",
		"base/cm.yaml":                     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  mode: base\n",
		"overlays/prod/kustomization.yaml": fmt.Sprintf("namespace: %s\nnamePrefix: prod-\nresources:\n- ../../base\n- ns.yaml\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: app\n    data:\n      mode: prod\n", ns),
		"overlays/prod/ns.yaml":            fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns),
	}
	r := newRepo(t, files)
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment"), "`overlays/prod`", "`base`")
	name := unique("kust")
	c.reply("/rigel add-deployment overlays/prod --name " + name)
	mustContain(t, c.reply("/rigel diff "+name), "2 to create", "ConfigMap/"+ns+"/prod-app", "+  mode: prod")
	c.reply("/rigel sync " + name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")
	cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "prod-app", metav1.GetOptions{})
	if err != nil || cm.Data["mode"] != "prod" || cm.Annotations["helmsman.dev/source-path"] != "overlays/prod" {
		t.Fatalf("applied ConfigMap = %+v, %v", cm, err)
	}
}

func TestIssueOpenedWithACommand(t *testing.T) {
	b := startBot(t)
	r := newRepo(t, webFiles(unique("open"), 1, "pw"))
	c := b.issue(r)
	p := testenv.Payload("issues", "opened-1")
	p["repository"].(map[string]any)["full_name"] = r.full
	p["repository"].(map[string]any)["name"] = r.full[len("acme/"):]
	p["repository"].(map[string]any)["owner"].(map[string]any)["login"] = "acme"
	p["repository"].(map[string]any)["clone_url"] = git.CloneURL(r.full)
	p["repository"].(map[string]any)["default_branch"] = "main"
	p["issue"].(map[string]any)["number"] = c.number
	p["issue"].(map[string]any)["body"] = "Please register our app.\n\n/rigel add-deployment apps/web/k8s --name " + unique("opened")
	p["installation"] = map[string]any{"id": gh.InstallationID}
	resp, err := testenv.PostWebhook(b.url+app.HookPath, webhookSecret, "issues", mustJSON(t, p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for len(c.botComments()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.botComments(); len(got) != 1 {
		t.Fatalf("replies = %+v", got)
	} else {
		mustContain(t, got[0].Body, "Registered deployment")
	}
}

// TestApplyAllTellsEachDeployment: one deployment of `apply --all` that is refused neither hides
// nor stops the others.
func TestApplyAllTellsEachDeployment(t *testing.T) {
	b := startBot(t)
	ns := unique("applyall")
	r := newRepo(t, webAndAPIFiles(ns))
	web, api := unique("allweb"), unique("allapi")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+web), "Registered deployment")
	mustContain(t, c.reply("/rigel add-deployment apps/api/k8s --name "+api), "Registered deployment")
	mustContain(t, c.reply("/rigel sync "+web), "/rigel apply "+web)

	got := c.reply("/rigel apply --all")
	mustContain(t, got, "Rigel applied `"+web+"`", "Succeeded", "`/rigel apply "+api+"` — nothing was previewed for `"+api+"`")
	if _, d := b.registry().FindDeployment(web); d == nil || d.LastSync == nil || d.LastSync.Status != "Succeeded" {
		t.Errorf("the applied deployment's last sync = %+v", d)
	}
	if _, d := b.registry().FindDeployment(api); d == nil || d.LastSync != nil {
		t.Errorf("the refused deployment has a last sync: %+v", d)
	}
	mustContain(t, c.reply("/rigel apply --all"), "❌", "nothing was applied:", "- `"+api+"`: nothing was previewed", "- `"+web+"`: the last preview of `"+web+"`", "was already applied")
}

// TestSyncAllTellsEachDeployment: one deployment of `sync --all` that cannot be previewed (a
// manifest that does not parse) neither hides nor stops the others' previews, and they are armed.
func TestSyncAllTellsEachDeployment(t *testing.T) {
	b := startBot(t)
	ns := unique("syncall")
	r := newRepo(t, webAndAPIFiles(ns))
	web, api := unique("sallweb"), unique("sallapi")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+web), "Registered deployment")
	mustContain(t, c.reply("/rigel add-deployment apps/api/k8s --name "+api), "Registered deployment")
	if _, err := git.Commit(r.full, "main", map[string]string{"apps/api/k8s/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n"}, "break api"); err != nil {
		t.Fatal(err)
	}
	got := c.reply("/rigel sync --all")
	mustContain(t, got, "/rigel apply "+web, "`/rigel sync "+api+"` —", "config.yaml")
	mustContain(t, c.reply("/rigel apply "+web), "Rigel applied `"+web+"`", "Succeeded")
}

// webAndAPIFiles is webFiles plus a second folder, apps/api/k8s, holding one ConfigMap.
func webAndAPIFiles(ns string) map[string]string {
	files := webFiles(ns, 1, "pw")
	files["apps/api/k8s/config.yaml"] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  namespace: %s\n", ns)
	return files
}
