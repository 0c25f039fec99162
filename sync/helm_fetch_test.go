package sync

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"helm.sh/helm/v3/pkg/chart"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// commonChart is the chart the test repository serves.
var commonChart = testenv.ChartArchive{Name: "common", Version: "1.2.3", Files: map[string]string{
	"values.yaml":       "greeting: hello\n",
	"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-common\ndata:\n  greeting: {{ .Values.greeting }}\n",
}}

// depRepo is chartRepo with web depending on common from repoURL, and a Chart.lock in sync
// with it pinning version (lock false: none).
func depRepo(t *testing.T, repoURL, version string, lock bool) fstest.MapFS {
	t.Helper()
	m := chartRepo()
	reqs := []*chart.Dependency{{Name: "db", Version: "0.1.0"}, {Name: "common", Version: "~1.2.0", Repository: repoURL}}
	cy, err := yaml.Marshal(&chart.Metadata{APIVersion: "v2", Name: "web", Version: "0.1.0", Dependencies: reqs})
	if err != nil {
		t.Fatal(err)
	}
	m["web/Chart.yaml"] = file(string(cy))
	if !lock {
		return m
	}
	locked := []*chart.Dependency{{Name: "db", Version: "0.1.0"}, {Name: "common", Version: version, Repository: repoURL}}
	sum, err := lockDigest(reqs, locked)
	if err != nil {
		t.Fatal(err)
	}
	ly, err := yaml.Marshal(&chart.Lock{Digest: sum, Dependencies: locked})
	if err != nil {
		t.Fatal(err)
	}
	m["web/Chart.lock"] = file(string(ly))
	return m
}

func forgetDigests() {
	fetchedDigests.Lock()
	clear(fetchedDigests.m)
	fetchedDigests.Unlock()
}

// A dependency from an allowlisted repository is fetched at the locked version, verified,
// rendered (in the child process and here alike), and then read from the cache.
func TestRenderChartFetchesAllowlistedDependency(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	m := depRepo(t, repo.URL, "1.2.3", true)
	repos := ChartRepos{Allow: []string{repo.URL}, CacheDir: t.TempDir()}.Trusting(repo.Roots())
	forgetDigests()
	for _, isolated := range []bool{true, false} {
		isolateCharts = isolated
		objs, err := RenderWith(context.Background(), m, "web", RenderOptions{Repos: repos})
		if err != nil {
			t.Fatalf("isolated %v: %v", isolated, err)
		}
		o := objByName(t, objs, "ConfigMap", "web-common")
		if g, _, _ := unstructured.NestedString(o.Obj.Object, "data", "greeting"); g != "hello" {
			t.Errorf("isolated %v: greeting = %q", isolated, g)
		}
	}
	isolateCharts = true
	if got := repo.Requests(); len(got) != 2 || got[0] != "GET /charts/index.yaml" || got[1] != "GET /charts/common-1.2.3.tgz" {
		t.Errorf("requests = %q, want the index and the archive once (then the cache)", got)
	}
	forgetDigests() // a new process: the index is read again, the archive comes from the cache
	if _, err := RenderWith(context.Background(), m, "web", RenderOptions{Repos: repos}); err != nil {
		t.Fatal(err)
	}
	if got := repo.Requests(); len(got) != 3 || got[2] != "GET /charts/index.yaml" {
		t.Errorf("requests = %q, want one more index read and no archive", got)
	}
}

// A dependency that cannot be fetched as locked and verified is refused with the reason; one
// whose repository is not allowlisted makes no connection at all.
func TestRenderChartDependencyRefused(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	tests := []struct {
		name    string
		allow   []string
		version string
		lock    bool
		prepare func(r *testenv.ChartRepo)
		want    string
		noConn  bool
	}{
		{name: "not allowlisted", allow: []string{"https://charts.example.com/stable"}, version: "1.2.3", lock: true, want: "not on its allowlist (RIGEL_HELM_REPOSITORIES)", noConn: true},
		{name: "no allowlist", version: "1.2.3", lock: true, want: "not vendored in charts/", noConn: true},
		{name: "other path of the host", allow: []string{strings.TrimSuffix(repo.URL, "/charts") + "/other"}, version: "1.2.3", lock: true, want: "not on its allowlist", noConn: true},
		{name: "no Chart.lock", allow: []string{repo.URL}, want: "has no Chart.lock", noConn: true},
		{name: "version not in the index", allow: []string{repo.URL}, version: "1.2.4", lock: true, want: "has no common 1.2.4"},
		{name: "archive changed", allow: []string{repo.URL}, version: "1.2.3", lock: true, want: "the archive was changed or corrupted", prepare: func(r *testenv.ChartRepo) {
			r.Replace("common", "1.2.3", []byte("not the archive"))
		}},
		{name: "no digest", allow: []string{repo.URL}, version: "1.2.3", lock: true, want: "no sha256 digest", prepare: func(r *testenv.ChartRepo) {
			r.SetIndex(t, map[string][]map[string]any{"common": {{"name": "common", "version": "1.2.3", "urls": []string{"common-1.2.3.tgz"}}}})
		}},
		{name: "download elsewhere", allow: []string{repo.URL}, version: "1.2.3", lock: true, want: "https://charts.example.com/common-1.2.3.tgz, which is not below an entry", prepare: func(r *testenv.ChartRepo) {
			r.SetIndex(t, map[string][]map[string]any{"common": {{"name": "common", "version": "1.2.3", "digest": strings.Repeat("a", 64), "urls": []string{"https://charts.example.com/common-1.2.3.tgz"}}}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := repo
			if tt.prepare != nil {
				r = testenv.NewChartRepo(t, commonChart)
				tt.prepare(r)
				for i, a := range tt.allow {
					tt.allow[i] = strings.Replace(a, repo.URL, r.URL, 1)
				}
			}
			forgetDigests()
			before := r.Connections()
			m := depRepo(t, r.URL, tt.version, tt.lock)
			repos := ChartRepos{Allow: tt.allow, CacheDir: t.TempDir()}.Trusting(r.Roots())
			_, err := RenderWith(context.Background(), m, "web", RenderOptions{Repos: repos})
			var he *HermeticError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (%T), want a *HermeticError with %q", err, err, tt.want)
			}
			if tt.noConn && r.Connections() != before {
				t.Errorf("%d connections reached the repository, want none", r.Connections()-before)
			}
		})
	}
}

// The fetch client dials only allowlisted hosts: a URL elsewhere fails before connecting.
func TestChartFetchClientDialsOnlyAllowlisted(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	other := testenv.NewChartRepo(t, commonChart)
	repos := ChartRepos{Allow: []string{repo.URL}}.Trusting(other.Roots())
	c, _, err := repos.client(parseAllow(repos.Allow))
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(context.Background(), c, other.URL+"/index.yaml", 1<<20)
	var rd *refusedDial
	if !errors.As(err, &rd) {
		t.Fatalf("err = %v, want a refused dial", err)
	}
	if other.Connections() != 0 {
		t.Errorf("%d connections reached the host not allowlisted", other.Connections())
	}
}

// The inputs of a chart with a remote dependency are its files, Chart.lock among them;
// computing them fetches nothing.
func TestChartInputsFetchNothing(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	m := depRepo(t, repo.URL, "1.2.3", true)
	in, err := Inputs(context.Background(), m, "web")
	if err != nil {
		t.Fatal(err)
	}
	if !hasPath(in, "web/Chart.lock") || !hasPath(in, "web/Chart.yaml") {
		t.Errorf("inputs %q lack Chart.yaml or Chart.lock", in)
	}
	if repo.Connections() != 0 {
		t.Errorf("Inputs connected to the chart repository %d times", repo.Connections())
	}
	// Rendering without the allowlist still refuses.
	if _, err := RenderWith(context.Background(), m, "web", RenderOptions{}); err == nil {
		t.Error("rendered a chart with a dependency from no allowlist")
	}
}

// A dependency from an allowlisted OCI registry is pulled (asking for the anonymous token the
// registry wants), verified against the manifest's layer digest and rendered; from an OCI
// registry not allowlisted, refused before any connection.
func TestRenderChartPullsOCIDependency(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	repo.RequireToken.Store(true)
	m := depRepo(t, repo.OCIURL, "1.2.3", true)
	forgetDigests()
	objs, err := RenderWith(context.Background(), m, "web", RenderOptions{Repos: ChartRepos{Allow: []string{repo.OCIURL}, CacheDir: t.TempDir()}.Trusting(repo.Roots())})
	if err != nil {
		t.Fatal(err)
	}
	objByName(t, objs, "ConfigMap", "web-common")
	want := []string{"GET /v2/charts/common/manifests/1.2.3", "GET /token", "GET /v2/charts/common/manifests/1.2.3", "GET /v2/charts/common/blobs/sha256:"}
	got := repo.Requests()
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || !strings.HasPrefix(got[3], want[3]) {
		t.Errorf("requests = %q, want manifest, token, manifest, blob (the token kept for the blob)", got)
	}

	before := repo.Connections()
	forgetDigests()
	_, err = RenderWith(context.Background(), m, "web", RenderOptions{Repos: ChartRepos{Allow: []string{"oci://registry.example.com/charts"}}.Trusting(repo.Roots())})
	var he *HermeticError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "not on its allowlist") {
		t.Fatalf("err = %v, want a refusal of the registry not allowlisted", err)
	}
	if repo.Connections() != before {
		t.Errorf("%d connections reached the registry not allowlisted", repo.Connections()-before)
	}
}

// A Chart.lock out of sync with Chart.yaml is refused before any connection, as `helm
// dependency build` refuses it; a redirect off the allowlist is not followed.
func TestRenderChartLockOutOfSyncAndRedirect(t *testing.T) {
	repo := testenv.NewChartRepo(t, commonChart)
	m := depRepo(t, repo.URL, "1.2.3", true)
	m["web/Chart.yaml"] = file(strings.Replace(string(m["web/Chart.yaml"].Data), "~1.2.0", "~1.3.0", 1))
	forgetDigests()
	repos := ChartRepos{Allow: []string{repo.URL}}.Trusting(repo.Roots())
	_, err := RenderWith(context.Background(), m, "web", RenderOptions{Repos: repos})
	var he *HermeticError
	if !errors.As(err, &he) || he.File != "web/Chart.lock" || !strings.Contains(err.Error(), "out of sync with Chart.yaml") {
		t.Fatalf("err = %v, want a refusal naming web/Chart.lock", err)
	}
	if repo.Connections() != 0 {
		t.Errorf("%d connections for a Chart.lock out of sync", repo.Connections())
	}

	other := testenv.NewChartRepo(t, commonChart)
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/index.yaml", http.StatusFound)
	})
	srv := httptest.NewTLSServer(redirect)
	defer srv.Close()
	c := ChartRepos{Allow: []string{srv.URL}}.Trusting(srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs)
	client, _, err := c.client(parseAllow(c.Allow))
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(context.Background(), client, srv.URL+"/index.yaml", 1<<20)
	if err == nil || !strings.Contains(err.Error(), "not below an entry of RIGEL_HELM_REPOSITORIES") {
		t.Errorf("err = %v, want the redirect refused", err)
	}
	if other.Connections() != 0 {
		t.Errorf("the redirect reached the host not allowlisted")
	}
}
