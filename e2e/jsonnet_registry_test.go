package e2e

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Jsonnet folders registered with their settings (issue 17): `/rigel add-deployment --tla
// --ext-var --jsonnet-lib` and the HTTP API's jsonnet field store them in the registry, the
// folder previews and applies with them, autoplan tracks the files they make it read, and the
// HTTP API's preview and apply carry each object's wave and sync options.

// jsonnetRepoFiles is a repository whose apps/gb renders, through a function of a top-level
// argument reading two external variables and a lib folder, two ConfigMaps: one in wave 1,
// replaced (Replace=true) with an option Rigel does not know.
func jsonnetRepoFiles(prefix string) map[string]string {
	return map[string]string{
		"README.md":                  "# guestbook\n",
		"vendor/lib/names.libsonnet": fmt.Sprintf("{prefix: '%s'}\n", prefix),
		"apps/gb/gb.jsonnet": `local names = import 'names.libsonnet';
function(name) [
  {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: names.prefix + name, namespace: std.extVar('ns')}, data: {region: std.extVar('region')}},
  {apiVersion: 'v1', kind: 'ConfigMap',
   metadata: {name: names.prefix + name + '-late', namespace: std.extVar('ns'),
              annotations: {'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'Replace=true,Validate=false'}},
   data: {after: names.prefix + name}},
]
`,
	}
}

func TestJsonnetRegisteredWithSettings(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("gb")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, jsonnetRepoFiles("gb-"))
	c := b.issue(r)
	prod := unique("gb-prod")
	before := b.registryYAML()

	refusals := []struct {
		name, say string
		wants     []string
	}{
		{"without the top-level argument the file needs", "/rigel add-deployment apps/gb --name " + prod + " --ext-var ns=" + ns + " --ext-var region=eu --jsonnet-lib vendor/lib",
			[]string{"❌", "`apps/gb/gb.jsonnet`** in `apps/gb` needs a top-level argument that is not set", "Missing argument: name", "`--tla NAME=VALUE`"}},
		{"without the lib folder it imports from", "/rigel add-deployment apps/gb --name " + prod + " --tla name=x --ext-var ns=" + ns + " --ext-var region=eu",
			[]string{"❌", "names.libsonnet", "no such file in the repository"}},
		{"a name that is no jsonnet identifier", "/rigel add-deployment apps/gb --name " + prod + " --tla name=x --tla 1x=2",
			[]string{"❌", "the jsonnet settings for", `top-level argument "1x" is not a jsonnet name`, "nothing was registered"}},
		{"a lib folder the repository lacks", "/rigel add-deployment apps/gb --name " + prod + " --tla name=x --jsonnet-lib vendor/none",
			[]string{"❌", `lib folder "vendor/none" is not a folder of the repository`}},
		{"a lib folder outside the repository", "/rigel add-deployment apps/gb --name " + prod + " --jsonnet-lib ../../etc",
			[]string{"❌", "leaves the repository"}},
		{"a pair without =", "/rigel add-deployment apps/gb --name " + prod + " --ext-var region",
			[]string{"❌", "write name=value", "Nothing was registered"}},
	}
	for _, tc := range refusals {
		t.Run("comment: "+tc.name, func(t *testing.T) {
			mustContain(t, c.reply(tc.say), tc.wants...)
		})
	}
	t.Run("API: settings that are not valid", func(t *testing.T) {
		got := b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/gb", "name": prod,
			"jsonnet": map[string]any{"tlas": map[string]string{"a-b": "1"}}}, http.StatusBadRequest)
		mustContain(t, got.raw, `top-level argument \"a-b\" is not a jsonnet name`)
	})
	if after := b.registryYAML(); after != before {
		t.Fatalf("a refusal changed the registry:\n%s\nwas\n%s", after, before)
	}

	t.Run("add-deployment registers the folder with its settings", func(t *testing.T) {
		got := c.reply(fmt.Sprintf("/rigel add-deployment apps/gb --name %s --tla name=prod --ext-var ns=%s --ext-var region=eu-west-1 --jsonnet-lib vendor/lib", prod, ns))
		mustContain(t, got, "✅ Registered deployment `"+prod+"`", "(2 objects at", "render with tla `name=prod`", "ext-var `region=eu-west-1`", "lib `vendor/lib`")
		_, dep := b.registry().FindDeployment(prod)
		want := &config.Jsonnet{TLAs: map[string]string{"name": "prod"}, ExtVars: map[string]string{"ns": ns, "region": "eu-west-1"}, Libs: []string{"vendor/lib"}}
		if dep == nil || !reflect.DeepEqual(dep.Jsonnet, want) {
			t.Fatalf("registered %+v, want jsonnet settings %+v", dep, want)
		}
		mustContain(t, c.reply("/rigel list"), "Jsonnet settings", "- `"+prod+"`: tla `name=prod`, ext-var `ns="+ns+"`, ext-var `region=eu-west-1`, lib `vendor/lib`")
	})
	t.Run("the same settings again are refused; other settings are another deployment", func(t *testing.T) {
		got := c.reply(fmt.Sprintf("/rigel add-deployment apps/gb --name %s-2 --tla name=prod --ext-var ns=%s --ext-var region=eu-west-1 --jsonnet-lib vendor/lib", prod, ns))
		mustContain(t, got, "already registered as `"+prod+"` with the same jsonnet settings")
	})

	t.Run("diff, sync and apply render with the settings", func(t *testing.T) {
		mustContain(t, c.reply("/rigel diff "+prod), "2 to create, 0 to change", "ConfigMap/"+ns+"/gb-prod", "region: eu-west-1", "applied in 2 sync waves", "Replace=true")
		mustContain(t, c.reply("/rigel sync "+prod), "/rigel apply "+prod)
		mustContain(t, c.reply("/rigel apply "+prod), "Succeeded")
		cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "gb-prod", metav1.GetOptions{})
		if err != nil || cm.Data["region"] != "eu-west-1" {
			t.Fatalf("ConfigMap gb-prod: %v %v, want region eu-west-1", cm, err)
		}
		if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "gb-prod-late", metav1.GetOptions{}); err != nil {
			t.Fatalf("the object of wave 1: %v", err)
		}
	})

	staging := unique("gb-staging")
	t.Run("API: registers with jsonnet settings, previews with waves and options, applies", func(t *testing.T) {
		got := b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/gb", "name": staging,
			"jsonnet": map[string]any{"tlas": map[string]string{"name": "staging"}, "extVars": map[string]string{"ns": ns, "region": "us-east-1"}, "libs": []string{"./vendor/lib"}}}, http.StatusCreated)
		mustContain(t, got.raw, `"jsonnet":{"tlas":{"name":"staging"},"extVars":{"ns":"`+ns+`","region":"us-east-1"},"libs":["vendor/lib"]}`, `"objects":2`)
		pv := b.api("POST", "/api/git/sync", map[string]any{"deployment": staging}, http.StatusOK)
		mustContain(t, pv.raw, `"waves":[0,1]`, `region: us-east-1`,
			`"wave":1,"syncOptions":{"honoured":["Replace=true"],"applyAs":"replace","notHonoured":["argocd.argoproj.io/sync-options: Validate=false"]}}`)
		if got := wavesByName(t, pv.body["changes"]); !reflect.DeepEqual(got, map[string]any{"gb-staging": 0.0, "gb-staging-late": 1.0}) {
			t.Errorf("the waves of the preview's changes: %v", got)
		}
		apply, ok := pv.body["apply"].(map[string]any)
		if !ok {
			t.Fatalf("no apply body in %s", pv.raw)
		}
		done := b.api("POST", "/api/git/sync", apply, http.StatusOK)
		mustContain(t, done.raw, `"status":"Succeeded"`)
		if got := wavesByName(t, done.body["objects"]); !reflect.DeepEqual(got, map[string]any{"gb-staging": 0.0, "gb-staging-late": 1.0}) {
			t.Errorf("the waves of the apply's objects: %v", got)
		}
		mustNotContain(t, done.raw, `"stopped"`)
	})

	t.Run("autoplan: a pull request changing the lib previews the deployments that import it", func(t *testing.T) {
		branch := unique("lib")
		head, err := git.Commit(r.full, branch, map[string]string{"vendor/lib/names.libsonnet": "{prefix: 'guestbook-'}\n"}, "Rename the guestbook")
		if err != nil {
			t.Fatal(err)
		}
		n := int(issueSeq.Add(1))
		b.pullEvent(testenv.PullOpts{Action: "opened", Repo: r.full, Number: n, HeadSHA: head, HeadRef: branch, BaseRef: "main"})
		for _, dep := range []string{prod, staging} {
			cr := waitCheck(t, r.full, head, "rigel/preview: "+dep)
			if cr.Conclusion != "success" || !strings.Contains(cr.Title, dep+": 2 to create") || !strings.Contains(cr.Text, "guestbook-") {
				t.Fatalf("check run of %s %+v: want success, creating the renamed ConfigMaps", dep, cr)
			}
		}
	})
}

// wavesByName maps the objects of a JSON list (an answer's changes or objects) by name to
// their wave (nil when absent).
func wavesByName(t *testing.T, list any) map[string]any {
	t.Helper()
	items, ok := list.([]any)
	if !ok {
		t.Fatalf("not a list: %v", list)
	}
	out := map[string]any{}
	for _, it := range items {
		o, _ := it.(map[string]any)
		name, _ := o["name"].(string)
		out[name] = o["wave"]
	}
	return out
}

// TestAPIApplyStoppedAtAWave: over the HTTP API, an apply in sync waves whose wave 0 does not
// become healthy in time answers where it stopped (the wave, the waves not applied, why), and
// the objects of the later wave as not applied, with their wave; nothing of wave 1 is created.
func TestAPIApplyStoppedAtAWave(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) { s.APIToken = apiToken; s.ApplyWait = 2 * time.Second })
	ns := unique("apistop")
	r := newRepo(t, map[string]string{
		"apps/stop/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n",
		"apps/stop/web.yaml":       webDeployment(ns, 1, "  annotations:\n    "+testenv.StuckAnnotation+": \"true\"\n"), // the test bed's controller never makes it available
		"apps/stop/late.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  namespace: " + ns + "\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n",
	})
	name := unique("stop")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/stop", "name": name}, http.StatusCreated)
	pv := b.api("POST", "/api/git/sync", map[string]any{"deployment": name}, http.StatusOK)
	if got := wavesByName(t, pv.body["changes"]); !reflect.DeepEqual(got, map[string]any{ns: nil, "web": 0.0, "late": 1.0}) {
		t.Fatalf("the waves of the preview's changes: %v (the Namespace: none, applied first)", got)
	}
	done := b.api("POST", "/api/git/sync", pv.body["apply"], http.StatusOK)
	mustContain(t, done.raw, `"status":"Failed"`,
		`"stopped":{"wave":0,"notApplied":[1],"reason":"stopped at wave 0: wave 0 did not become healthy within 2s; waves 1 not applied"}`,
		`"name":"late","action":"error","message":"not applied (wave 1): wave 0 did not become healthy within 2s","wave":1}`)
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "late", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("wave 1 was applied after an unhealthy wave 0: %v", err)
	}
}
