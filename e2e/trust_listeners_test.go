package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
)

// Issue 18, item 7: what is exposed, and what Rigel trusts in its own namespace.

// TestTrustListenersAPIOnlyInside: the HTTP API and /metrics answer 404 on the webhook's port,
// the only one exposed, even with the right token, and nothing runs; they answer on the
// internal port.
func TestTrustListenersAPIOnlyInside(t *testing.T) {
	b := startAPIBot(t)
	r := newRepo(t, webFiles(unique("lst"), 1, "pw"))
	name := unique("lstweb")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": name}, http.StatusCreated)
	get := func(t *testing.T, method, url, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+apiToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(got)
	}
	for _, tc := range []struct {
		method, path, body, inside string
	}{
		{"GET", "/api/git/sources", "", r.full},
		{"GET", "/api/git/account", "", ""},
		{"POST", "/api/git/sync", `{"deployment":"` + name + `","apply":true}`, name},
		{"GET", "/metrics", "", "rigel_leader"},
		{"GET", "/readyz", "", "ok"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			if code, got := get(t, tc.method, b.url+tc.path, tc.body); code != http.StatusNotFound {
				t.Errorf("on the webhook's port: %d, want 404: %.300s", code, got)
			} else if strings.Contains(got, tc.inside) && tc.inside != "" {
				t.Errorf("on the webhook's port the 404 shows %q: %.300s", tc.inside, got)
			}
			if tc.path == "/api/git/sync" {
				if _, dep := b.registry().FindDeployment(name); dep == nil || dep.LastSync != nil {
					t.Fatalf("a sync sent to the webhook's port ran: %+v", dep)
				}
				return // applying is not what this test is about
			}
			if code, got := get(t, tc.method, b.internal+tc.path, tc.body); code != http.StatusOK || !strings.Contains(got, tc.inside) {
				t.Errorf("on the internal port: %d, want 200 with %q: %.300s", code, tc.inside, got)
			}
		})
	}
	t.Run("the webhook still answers on its port", func(t *testing.T) {
		mustContain(t, b.issue(r).reply("/rigel help"), "/rigel diff")
	})
}

// TestTrustForgedLeaseMakesNoPost: a rigel-cmd-* Lease written by someone who can edit
// Rigel's namespace, naming another conversation and a dead replica, makes the leader post
// nothing, even when it copies the MAC of a genuine record; the leader deletes it. A genuine
// record still runs its course.
func TestTrustForgedLeaseMakesNoPost(t *testing.T) {
	leader := startReplica(t, "", "rigel-solo", func(s *config.Settings) { s.ApplyWait = 60 * time.Second })
	waitUntil(t, 20*time.Second, "the only replica did not lead", leader.app.Leader)
	ns := unique("shop")
	r := newRepo(t, stuckWebFiles(ns))
	c := leader.issue(r)
	armStuckWeb(t, c)
	victim := leader.issue(newRepo(t, webFiles(unique("victim"), 1, "pw")))

	if code := c.post("/rigel apply web"); code >= 300 {
		t.Fatalf("webhook answered %d", code)
	}
	waitApplying(t, leader.namespace, "rigel-solo")
	genuine := leases(t, leader.namespace, "rigel.dev/lease=command")
	if len(genuine) != 1 || genuine[0].Annotations["rigel.dev/mac"] == "" {
		t.Fatalf("the running apply's record = %+v, want one, signed", genuine)
	}

	lapsed := metav1.NewMicroTime(time.Now().Add(-time.Hour))
	forge := func(name string, annotations map[string]string) {
		t.Helper()
		l := &coordv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: leader.namespace, Labels: map[string]string{"rigel.dev/lease": "command"}, Annotations: annotations},
			Spec:       coordv1.LeaseSpec{HolderIdentity: ptrTo("rigel-dead-replica"), LeaseDurationSeconds: ptrTo(int32(1)), AcquireTime: &lapsed, RenewTime: &lapsed},
		}
		if _, err := kc.Typed.CoordinationV1().Leases(leader.namespace).Create(context.Background(), l, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	copied := map[string]string{}
	for k, v := range genuine[0].Annotations {
		copied[k] = v
	}
	copied["rigel.dev/repo"], copied["rigel.dev/issue"], copied["rigel.dev/replica"] = victim.r.full, itoa(victim.number), "rigel-dead-replica"
	forge("rigel-cmd-forged-copy", copied)
	forge("rigel-cmd-forged-bare", map[string]string{
		"rigel.dev/repo": victim.r.full, "rigel.dev/issue": itoa(victim.number), "rigel.dev/installation": itoa(int(gh.InstallationID)),
		"rigel.dev/command": "/rigel apply web", "rigel.dev/replica": "rigel-dead-replica", "rigel.dev/phase": "applying", "rigel.dev/deployment": "web",
	})
	waitUntil(t, 30*time.Second, "the leader did not delete the forged records", func() bool {
		for _, l := range leases(t, leader.namespace, "rigel.dev/lease=command") {
			if strings.HasPrefix(l.Name, "rigel-cmd-forged-") {
				return false
			}
		}
		return true
	})
	time.Sleep(2 * time.Second) // more sweeps
	if got := victim.botComments(); len(got) != 0 {
		t.Fatalf("the leader posted into %s#%d for a forged record: %v", victim.r.full, victim.number, got)
	}
	if _, dep := leader.registry().FindDeployment("web"); dep == nil || dep.LastSync != nil {
		t.Errorf("a forged record of an apply changed the registry: %+v", dep)
	}
	if recs := leases(t, leader.namespace, "rigel.dev/lease=command"); len(recs) != 1 || recs[0].Name != genuine[0].Name {
		t.Errorf("command records = %d, want the genuine one still running", len(recs))
	}
	unstick(t, ns)
	c.waitReplies(len(c.botComments()) + 1)
	mustContain(t, c.botComments()[len(c.botComments())-1].Body, "Rigel applied `web`")
}

// TestTrustRegistryBadEntries: a registry ConfigMap edited with bad entries (a path leaving the
// repository, a file:// clone URL) keeps working for the other entries; commands that name a bad
// entry answer what is wrong; a registry write keeps the bad entries as they were and refuses
// to register over them.
func TestTrustRegistryBadEntries(t *testing.T) {
	b := startBot(t)
	ns := unique("regbad")
	files := webFiles(ns, 1, "pw")
	files["apps/api/k8s/config.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  namespace: " + ns + "\n"
	r := newRepo(t, files)
	c := b.issue(r)
	web := unique("goodweb")
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+web), "Registered deployment")
	bad, evil := unique("badpath"), unique("evilclone")

	cm := getConfigMap(t, b.namespace, config.SourcesConfigMap)
	var repos []map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data["repos.yaml"]), &repos); err != nil {
		t.Fatal(err)
	}
	deps := repos[0]["deployments"].([]any)
	repos[0]["deployments"] = append(deps, map[string]any{"name": bad, "path": "../x"})
	repos = append(repos, map[string]any{"repo": "acme/" + evil, "branch": "main", "cloneURL": "file:///etc",
		"deployments": []any{map[string]any{"name": evil, "path": "k8s"}}})
	raw, err := yaml.Marshal(repos)
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["repos.yaml"] = string(raw)
	if _, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stored := func() string { return getConfigMap(t, b.namespace, config.SourcesConfigMap).Data["repos.yaml"] }

	t.Run("a command on the bad entry answers what is wrong", func(t *testing.T) {
		got := c.reply("/rigel diff " + bad)
		mustContain(t, got, "❌", "invalid", bad, `path "../x"`, "must not leave the repo", config.SourcesConfigMap, "Nothing was done")
	})
	t.Run("a command on the bad repo's deployment answers what is wrong", func(t *testing.T) {
		got := c.reply("/rigel diff " + evil)
		mustContain(t, got, "❌", "acme/"+evil, `cloneURL "file:///etc"`, "not an http(s) URL")
	})
	t.Run("the other deployments keep working", func(t *testing.T) {
		mustContain(t, c.reply("/rigel diff "+web), "to create")
	})
	t.Run("list names the bad entry", func(t *testing.T) {
		mustContain(t, c.reply("/rigel list"), web, "invalid", `path "../x"`)
	})
	t.Run("a write keeps the bad entries as they were", func(t *testing.T) {
		mustContain(t, c.reply("/rigel sync "+web), "/rigel apply "+web)
		mustContain(t, c.reply("/rigel apply "+web), "Succeeded")
		if _, dep := b.registry().FindDeployment(web); dep == nil || dep.LastSync == nil {
			t.Fatalf("the apply was not recorded: %+v", dep)
		}
		got := stored()
		for _, w := range []string{`"path":"../x"`, `"name":"` + bad + `"`, `"cloneURL":"file:///etc"`, `"name":"` + evil + `"`} {
			if !strings.Contains(got, w) {
				t.Errorf("after a write the registry lacks %q:\n%s", w, got)
			}
		}
	})
	t.Run("registering over a bad entry is refused", func(t *testing.T) {
		before := stored()
		got := c.reply("/rigel add-deployment apps/api/k8s --name " + bad)
		mustContain(t, got, "❌", bad, "invalid", `path "../x"`)
		mustNotContain(t, got, "Registered deployment")
		if after := stored(); after != before {
			t.Errorf("the registry changed:\n%s\nwas:\n%s", after, before)
		}
	})
	t.Run("removing a bad entry answers what is wrong and keeps it", func(t *testing.T) {
		before := stored()
		got := c.reply("/rigel remove-deployment " + bad)
		mustContain(t, got, "❌", bad, "invalid", `path "../x"`, config.SourcesConfigMap, "Nothing was done")
		mustNotContain(t, got, "Removed deployment", "no deployment named")
		if after := stored(); after != before {
			t.Errorf("the registry changed:\n%s\nwas:\n%s", after, before)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

func itoa(n int) string { return strconv.Itoa(n) }
