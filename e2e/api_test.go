package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/config"
)

const apiToken = "e2e-api-token-0123456789abcdef"

// startAPIBot starts a bot whose HTTP API is on with apiToken (RIGEL_API_TOKEN).
func startAPIBot(t *testing.T) *bot {
	t.Helper()
	return startBotWith(t, func(s *config.Settings) { s.APIToken = apiToken })
}

// apiResp is an answer of the HTTP API.
type apiResp struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// call sends a request to the bot's API as a terminal user would: body is sent as is when
// a string, as JSON otherwise (nil: no body); token "" sends no Authorization header.
func (b *bot) call(token, method, path string, body any) apiResp {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		rd = bytes.NewReader(mustJSON(b.t, v))
	}
	req, err := http.NewRequest(method, b.internal+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	out := apiResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		b.t.Fatalf("%s %s answered %d with Content-Type %q, not JSON: %s", method, path, resp.StatusCode, ct, raw)
	}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		b.t.Fatalf("%s %s answered %d with a body that is not a JSON object: %s", method, path, resp.StatusCode, raw)
	}
	return out
}

// api calls the bot's API with the right token and wants status.
func (b *bot) api(method, path string, body any, status int) apiResp {
	b.t.Helper()
	r := b.call(apiToken, method, path, body)
	if r.status != status {
		b.t.Fatalf("%s %s answered %d, want %d: %s", method, path, r.status, status, r.raw)
	}
	return r
}

func (r apiResp) str(key string) string { s, _ := r.body[key].(string); return s }

// registryYAML is the registry ConfigMap's content, to prove a refusal changed nothing.
func (b *bot) registryYAML() string {
	b.t.Helper()
	cm, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Get(context.Background(), config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		return "absent: " + err.Error()
	}
	return cm.Data["repos.yaml"] + "|" + cm.ResourceVersion
}

// every endpoint, with a body that would be valid.
var apiEndpoints = []struct{ method, path string }{
	{"GET", "/api/git/sources"},
	{"POST", "/api/git/sources"},
	{"DELETE", "/api/git/sources"},
	{"POST", "/api/git/sources/deployment"},
	{"DELETE", "/api/git/sources/deployment"},
	{"GET", "/api/git/repos"},
	{"GET", "/api/git/repo-tree?repo=acme/web1"},
	{"POST", "/api/git/sync"},
	{"POST", "/api/git/propose-fix"},
	{"GET", "/api/git/account"},
	{"POST", "/api/git/account"},
	{"DELETE", "/api/git/account"},
}

// TestAPIAuth: the API is off without a token (403, saying how to turn it on), and answers 401
// with WWW-Authenticate to requests without the token or with another; the token is taken
// from RIGEL_API_TOKEN or from the Secret rigel-api.
func TestAPIAuth(t *testing.T) {
	t.Run("off without a token", func(t *testing.T) {
		b := startBot(t)
		for _, ep := range apiEndpoints {
			r := b.call("anything-long-enough-123", ep.method, ep.path, map[string]string{"repo": "acme/web1"})
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s answered %d, want 403: %s", ep.method, ep.path, r.status, r.raw)
			}
			mustContain(t, r.str("error"), "API is off", config.APISecret, config.SecretKeyAPIToken, "RIGEL_API_TOKEN")
		}
		if got := b.registryYAML(); !strings.HasPrefix(got, "absent") {
			t.Errorf("a refused request wrote the registry: %s", got)
		}
	})

	b := startAPIBot(t)
	r := newRepo(t, webFiles(unique("auth"), 1, "pw"))
	before := b.registryYAML()
	for _, ep := range apiEndpoints {
		body := map[string]string{"repo": r.full, "path": "apps/web/k8s", "name": "web", "deployment": "web", "token": "x", "login": "x"}
		for _, tc := range []struct {
			name, header, wantAuth string
		}{
			{"no token", "", `Bearer realm="rigel"`},
			{"wrong token", "Bearer not-the-token-at-all-000", `error="invalid_token"`},
			{"basic scheme", "Basic " + apiToken, `Bearer realm="rigel"`},
			{"token of another length", "Bearer " + apiToken + "x", `error="invalid_token"`},
		} {
			t.Run(ep.method+" "+ep.path+" "+tc.name, func(t *testing.T) {
				req, _ := http.NewRequest(ep.method, b.internal+ep.path, bytes.NewReader(mustJSON(t, body)))
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("answered %d, want 401: %s", resp.StatusCode, raw)
				}
				if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, tc.wantAuth) {
					t.Errorf("WWW-Authenticate = %q, want it to hold %q", got, tc.wantAuth)
				}
				mustContain(t, string(raw), `"error":`, "token")
				mustNotContain(t, string(raw), apiToken)
			})
		}
	}
	if after := b.registryYAML(); after != before {
		t.Errorf("unauthenticated requests changed the registry:\n%s\n→\n%s", before, after)
	}
	t.Run("with the token", func(t *testing.T) {
		b.api("GET", "/api/git/sources", nil, http.StatusOK)
	})
	t.Run("unknown path and wrong method are JSON", func(t *testing.T) {
		got := b.api("GET", "/api/git/nope", nil, http.StatusNotFound)
		mustContain(t, got.str("error"), "/api/git/nope", "/api/git/sync")
		got = b.api("PUT", "/api/git/sources", "{}", http.StatusMethodNotAllowed)
		mustContain(t, got.str("error"), "PUT", "/api/git/sources", "GET, POST, DELETE")
		if got.header.Get("Allow") != "GET, POST, DELETE" {
			t.Errorf("Allow = %q", got.header.Get("Allow"))
		}
	})

	t.Run("token from the Secret rigel-api", func(t *testing.T) {
		const fromSecret = "token-from-the-secret-42-abcdef"
		sb := startBot(t)
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: config.APISecret, Namespace: sb.namespace}, Data: map[string][]byte{config.SecretKeyAPIToken: []byte(fromSecret + "\n")}}
		if _, err := kc.Typed.CoreV1().Secrets(sb.namespace).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := sb.call(fromSecret, "GET", "/api/git/sources", nil); got.status != http.StatusOK {
			t.Fatalf("the Secret's token answered %d: %s", got.status, got.raw)
		}
		if got := sb.call(apiToken, "GET", "/api/git/sources", nil); got.status != http.StatusUnauthorized {
			t.Fatalf("another token answered %d: %s", got.status, got.raw)
		}
	})
	t.Run("a short token keeps the API off", func(t *testing.T) {
		sb := startBot(t)
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: config.APISecret, Namespace: sb.namespace}, Data: map[string][]byte{config.SecretKeyAPIToken: []byte("short")}}
		if _, err := kc.Typed.CoreV1().Secrets(sb.namespace).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		got := sb.call("short", "GET", "/api/git/sources", nil)
		if got.status != http.StatusForbidden {
			t.Fatalf("a 5-character token answered %d: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "shorter than 16")
	})
}

// TestAPISources: repos and deployments are registered and forgotten by the rules of the
// commands; bad input gets 400 (or 404, 413) with a clear message and changes nothing.
func TestAPISources(t *testing.T) {
	b := startAPIBot(t)
	files := webFiles(unique("src"), 1, "pw")
	files["docs/guide.md"] = "# guide\n"
	files["apps/api/k8s/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  namespace: default\ndata: {a: b}\n"
	r := newRepo(t, files)

	t.Run("register a repo: what is not given comes from GitHub", func(t *testing.T) {
		got := b.api("POST", "/api/git/sources", map[string]any{"repo": r.full}, http.StatusCreated)
		if got.str("repo") != r.full || got.str("branch") != "main" || got.str("cloneURL") != git.CloneURL(r.full) || got.body["installationID"] != float64(gh.InstallationID) {
			t.Fatalf("registered %s", got.raw)
		}
		got = b.api("POST", "/api/git/sources", map[string]any{"repo": r.full, "branch": "main"}, http.StatusOK) // again: an update
		list := b.api("GET", "/api/git/sources", nil, http.StatusOK)
		mustContain(t, list.raw, `"repo":"`+r.full+`"`, `"version":2`)
		if repo := b.registry().FindRepo(r.full); repo == nil || len(repo.Deployments) != 0 {
			t.Fatalf("registry after registering: %+v", b.registry())
		}
	})
	t.Run("repo-tree lists the folders that hold manifests", func(t *testing.T) {
		got := b.api("GET", "/api/git/repo-tree?repo="+r.full, nil, http.StatusOK)
		mustContain(t, got.raw, `"path":"apps/web/k8s"`, `"path":"apps/api/k8s"`, `"ref":"refs/heads/main"`)
		mustNotContain(t, got.raw, "docs")
		if len(got.str("commit")) != 40 {
			t.Errorf("no commit: %s", got.raw)
		}
	})
	var web string
	t.Run("register a deployment: the name comes from the path", func(t *testing.T) {
		got := b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s/"}, http.StatusCreated)
		dep, _ := got.body["deployment"].(map[string]any)
		web, _ = dep["name"].(string)
		if web != "web" || dep["path"] != "apps/web/k8s" || got.body["objects"] != float64(4) || len(got.str("commit")) != 40 {
			t.Fatalf("registered %s", got.raw)
		}
		tree := b.api("GET", "/api/git/repo-tree?repo="+r.full+"&ref=main", nil, http.StatusOK)
		mustContain(t, tree.raw, `{"path":"apps/web/k8s","deployment":"web"}`)
	})
	t.Run("a repo not registered yet is registered with its first deployment", func(t *testing.T) {
		other := newRepo(t, map[string]string{"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: default\n"})
		got := b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": other.full, "path": "deploy", "name": "other"}, http.StatusCreated)
		mustContain(t, got.raw, `"name":"other"`)
		if repo := b.registry().FindRepo(other.full); repo == nil || repo.InstallationID != gh.InstallationID || repo.CloneURL != git.CloneURL(other.full) {
			t.Fatalf("the repo was not registered with its installation and clone URL: %+v", repo)
		}
	})

	big := `{"repo": "` + strings.Repeat("a", 70<<10) + `"}`
	bad := []struct {
		name, method, path string
		body               any
		status             int
		wants              []string
	}{
		{"no body", "POST", "/api/git/sources", nil, 400, []string{"no body", `"repo"`}},
		{"not JSON", "POST", "/api/git/sources", "repo=acme/web", 400, []string{"not valid JSON"}},
		{"two objects", "POST", "/api/git/sources", `{"repo":"a/b"}{"repo":"c/d"}`, 400, []string{"more than one"}},
		{"unknown field", "POST", "/api/git/sources", map[string]any{"repo": r.full, "brnach": "main"}, 400, []string{`"brnach"`, "is not a field", "repo, branch, cloneURL, installationID"}},
		{"wrong type", "POST", "/api/git/sources", map[string]any{"repo": r.full, "installationID": "12"}, 400, []string{`"installationID"`, "int64", "string"}},
		{"too large", "POST", "/api/git/sources", big, 413, []string{"larger than 64 KiB"}},
		{"repo missing", "POST", "/api/git/sources", map[string]any{"branch": "main"}, 400, []string{`"repo" is missing`}},
		{"repo not owner/name", "POST", "/api/git/sources", map[string]any{"repo": "web"}, 400, []string{"owner/name"}},
		{"repo GitHub does not show", "POST", "/api/git/sources", map[string]any{"repo": "acme/nosuch-repo"}, 404, []string{"acme/nosuch-repo", "installed"}},
		{"bad branch", "POST", "/api/git/sources", map[string]any{"repo": r.full, "branch": "a..b", "cloneURL": git.CloneURL(r.full), "installationID": gh.InstallationID}, 400, []string{`"a..b"`, "branch"}},
		{"clone URL with credentials", "POST", "/api/git/sources", map[string]any{"repo": r.full, "branch": "main", "cloneURL": "https://user:pw@example.com/x.git", "installationID": 1}, 400, []string{"must not hold credentials"}},
		{"path leaves the repo", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "../etc"}, 400, []string{"leaves the repository"}},
		{"absolute path", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "/etc"}, 400, []string{"absolute path"}},
		{"folder without manifests", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "docs"}, 400, []string{"holds no manifests", "/api/git/repo-tree"}},
		{"no such folder", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "nope"}, 400, []string{"`nope`", "does not exist", "/api/git/repo-tree"}},
		{"name taken", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/api/k8s", "name": "other"}, 400, []string{"already taken", `"name": "other-2"`}},
		{"folder registered", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": "web-again"}, 400, []string{"already registered as `web`"}},
		{"bad name", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/api/k8s", "name": "Bad_Name"}, 400, []string{"cannot be a deployment name", `"name": "bad-name"`}},
		{"path missing", "POST", "/api/git/sources/deployment", map[string]any{"repo": r.full}, 400, []string{`"path" is missing`}},
		{"remove unknown deployment", "DELETE", "/api/git/sources/deployment", map[string]any{"name": "nosuch"}, 404, []string{"no deployment named `nosuch`", "GET /api/git/sources"}},
		{"remove without name", "DELETE", "/api/git/sources/deployment", map[string]any{}, 400, []string{`"name" is missing`}},
		{"remove unregistered repo", "DELETE", "/api/git/sources", map[string]any{"repo": "acme/unregistered"}, 404, []string{"acme/unregistered is not registered"}},
		{"tree without repo", "GET", "/api/git/repo-tree", nil, 400, []string{"repo is missing"}},
		{"tree with a bad ref", "GET", "/api/git/repo-tree?repo=" + r.full + "&ref=a..b", nil, 400, []string{"not a git ref"}},
		{"tree of a missing branch", "GET", "/api/git/repo-tree?repo=" + r.full + "&ref=nosuch", nil, 404, []string{"has no refs/heads/nosuch", "leave ref out"}},
	}
	for _, tc := range bad {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			before := b.registryYAML()
			got := b.call(apiToken, tc.method, tc.path, tc.body)
			if got.status != tc.status {
				t.Fatalf("answered %d, want %d: %s", got.status, tc.status, got.raw)
			}
			mustContain(t, got.str("error"), tc.wants...)
			if after := b.registryYAML(); after != before {
				t.Errorf("a refused request changed the registry:\n%s\n→\n%s", before, after)
			}
		})
	}

	t.Run("remove a deployment, then the repo: the objects stay in the cluster", func(t *testing.T) {
		got := b.api("DELETE", "/api/git/sources/deployment", map[string]any{"name": "other"}, http.StatusOK)
		mustContain(t, got.raw, `"name":"other"`, "the objects it applied stay in the cluster")
		if _, dep := b.registry().FindDeployment("other"); dep != nil {
			t.Fatal("the deployment is still registered")
		}
		got = b.api("DELETE", "/api/git/sources", map[string]any{"repo": r.full}, http.StatusOK)
		mustContain(t, got.raw, `"name":"web"`, "the objects they applied stay in the cluster")
		if b.registry().FindRepo(r.full) != nil {
			t.Fatal("the repo is still registered")
		}
	})
}

// TestAPISyncApply: a preview answers the diff as JSON (Secret values masked) with the digest
// that identifies it; applying with that digest applies exactly it and records the sync;
// a digest gone stale (a push, or a change in the cluster) is refused with 409.
func TestAPISyncApply(t *testing.T) {
	b := startAPIBot(t)
	ns := unique("apisync")
	const password = "s3cr3t-value-never-shown"
	r := newRepo(t, webFiles(ns, 1, password))
	name := unique("apiweb")
	b.api("POST", "/api/git/sources/deployment", map[string]any{"repo": r.full, "path": "apps/web/k8s", "name": name}, http.StatusCreated)

	preview := func() apiResp {
		t.Helper()
		return b.api("POST", "/api/git/sync", map[string]any{"repo": r.full, "deployment": name}, http.StatusOK)
	}
	p := preview()
	t.Run("the preview", func(t *testing.T) {
		counts, _ := p.body["counts"].(map[string]any)
		if counts["create"] != float64(4) || counts["update"] != float64(0) {
			t.Errorf("counts = %v, want 4 to create", counts)
		}
		if len(p.str("commit")) != 40 || len(p.str("digest")) != 64 {
			t.Fatalf("no commit or digest: %s", p.raw)
		}
		mustContain(t, p.raw, `"kind":"Deployment"`, `"apiVersion":"apps/v1"`, `"action":"create"`, "+  replicas: 1", `"secretKeys":{"added":["password"]}`, "***")
		mustNotContain(t, p.raw, password, base64.StdEncoding.EncodeToString([]byte(password)))
		apply, _ := p.body["apply"].(map[string]any)
		if apply["digest"] != p.str("digest") || apply["apply"] != true {
			t.Errorf("the preview does not say how to apply it: %v", apply)
		}
	})
	t.Run("apply needs the digest", func(t *testing.T) {
		got := b.call(apiToken, "POST", "/api/git/sync", map[string]any{"deployment": name, "apply": true})
		if got.status != 400 {
			t.Fatalf("answered %d: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "digest")
		if _, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{}); err == nil {
			t.Fatal("applied without a digest")
		}
	})
	t.Run("a push since the preview: 409, nothing applied", func(t *testing.T) {
		if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webFiles(ns, 3, "")["apps/web/k8s/deploy/deployment.yaml"]}, "scale to 3"); err != nil {
			t.Fatal(err)
		}
		got := b.call(apiToken, "POST", "/api/git/sync", p.body["apply"])
		if got.status != http.StatusConflict {
			t.Fatalf("answered %d, want 409: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "is now", "Nothing was applied", "POST /api/git/sync")
		if _, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{}); err == nil {
			t.Fatal("a stale plan was applied")
		}
	})
	t.Run("apply exactly the preview", func(t *testing.T) {
		p = preview()
		got := b.api("POST", "/api/git/sync", p.body["apply"], http.StatusOK)
		if got.str("status") != "Succeeded" || got.str("commit") != p.str("commit") {
			t.Fatalf("applied %s", got.raw)
		}
		mustContain(t, got.raw, `"kind":"Deployment"`, `"action":"create"`, `"health":"Current"`)
		mustNotContain(t, got.raw, password)
		d, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil || *d.Spec.Replicas != 3 || d.Annotations["helmsman.dev/source-repo"] != name {
			t.Fatalf("Deployment after apply: %v %v", d, err)
		}
		_, dep := b.registry().FindDeployment(name)
		if dep == nil || dep.LastSync == nil || dep.LastSync.Commit != p.str("commit") || dep.LastSync.Status != "Succeeded" {
			t.Fatalf("the sync was not recorded: %+v", dep)
		}
	})
	t.Run("the cluster changed since the preview: 409, nothing applied", func(t *testing.T) {
		p = preview()
		patch := []byte(`{"data":{"LOG_LEVEL":"debug"}}`)
		if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Patch(context.Background(), "web-config", types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "someone"}); err != nil {
			t.Fatal(err)
		}
		got := b.call(apiToken, "POST", "/api/git/sync", p.body["apply"])
		if got.status != http.StatusConflict {
			t.Fatalf("answered %d, want 409: %s", got.status, got.raw)
		}
		mustContain(t, got.str("error"), "changed since", "Nothing was applied")
		cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "web-config", metav1.GetOptions{})
		if err != nil || cm.Data["LOG_LEVEL"] != "debug" {
			t.Fatalf("the refused apply touched the ConfigMap: %v %v", cm.Data, err)
		}
	})
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"unknown deployment", map[string]any{"deployment": "nosuch"}, 404, "no deployment named \"nosuch\""},
		{"deployment of another repo", map[string]any{"repo": "acme/other", "deployment": name}, 400, "belongs to " + r.full},
		{"digest without apply", map[string]any{"deployment": name, "digest": strings.Repeat("a", 64)}, 400, "only for applying"},
		{"malformed digest", map[string]any{"deployment": name, "apply": true, "digest": "abc"}, 400, "64 hex"},
		{"malformed commit", map[string]any{"deployment": name, "apply": true, "digest": strings.Repeat("a", 64), "commit": "main"}, 400, "not a commit"},
		{"made-up digest", map[string]any{"deployment": name, "apply": true, "digest": strings.Repeat("a", 64)}, 409, "changed since"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			before := b.registryYAML()
			got := b.call(apiToken, "POST", "/api/git/sync", tc.body)
			if got.status != tc.status {
				t.Fatalf("answered %d, want %d: %s", got.status, tc.status, got.raw)
			}
			mustContain(t, got.str("error"), tc.want)
			if after := b.registryYAML(); after != before {
				t.Errorf("a refused request changed the registry")
			}
		})
	}
}
