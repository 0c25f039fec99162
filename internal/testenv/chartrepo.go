package testenv

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/provenance"
	"sigs.k8s.io/yaml"
)

// ChartRepo is a Helm chart repository on 127.0.0.1 over TLS (issue 13): it serves
// /charts/index.yaml and the archives it lists (/charts/<name>-<version>.tgz), made with
// Helm's SDK, and counts the connections and requests it gets, so that a test can tell that
// nothing reached it.
type ChartRepo struct {
	Server *httptest.Server
	URL    string // https://127.0.0.1:PORT/charts, the repository URL a Chart.yaml names
	// OCIURL is oci://127.0.0.1:PORT/charts: the same charts as an OCI registry
	// (/v2/charts/NAME/manifests/VERSION, /v2/charts/NAME/blobs/sha256:…).
	OCIURL string
	// RequireToken makes the registry API answer 401 with a Bearer challenge (realm /token on
	// this server) until a request bears the token it gives.
	RequireToken atomic.Bool

	conns    atomic.Int64
	mu       gosync.Mutex
	requests []string
	auths    []string // the Authorization header of each request ("" none), in order
	user     string   // RequireBasic: the chart repository and the registry's token (or API) want these
	password string
	realm    string            // the realm of the Bearer challenge ("": this server's /token)
	files    map[string][]byte // by path
	entries  map[string][]map[string]any
}

// ChartArchive is a chart a ChartRepo serves: its name and version and its files besides
// Chart.yaml ("templates/cm.yaml": content).
type ChartArchive struct {
	Name, Version string
	Files         map[string]string
}

// NewChartRepo starts a chart repository serving charts; it stops with the test.
func NewChartRepo(t testing.TB, charts ...ChartArchive) *ChartRepo {
	t.Helper()
	r := &ChartRepo{files: map[string][]byte{}, entries: map[string][]map[string]any{}}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.Server.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	r.Server.StartTLS()
	t.Cleanup(r.Server.Close)
	r.URL = r.Server.URL + "/charts"
	r.OCIURL = "oci://" + strings.TrimPrefix(r.Server.URL, "https://") + "/charts"
	for _, c := range charts {
		r.Add(t, c)
	}
	return r
}

// Add makes a chart archive with Helm's SDK (chartutil.Save) and lists it in the index.
func (r *ChartRepo) Add(t testing.TB, c ChartArchive) (digest string) {
	t.Helper()
	ch := &chart.Chart{Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: c.Name, Version: c.Version, Type: "application"}}
	names := make([]string, 0, len(c.Files))
	for n := range c.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := &chart.File{Name: n, Data: []byte(c.Files[n])}
		if n == "values.yaml" {
			vals, err := chartutil.ReadValues(f.Data)
			if err != nil {
				t.Fatal(err)
			}
			ch.Values = vals
		}
		if filepath.Dir(n) == "templates" {
			ch.Templates = append(ch.Templates, f)
		} else {
			ch.Raw = append(ch.Raw, f)
		}
	}
	dir := t.TempDir()
	p, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	digest = hex.EncodeToString(sum[:])
	name := fmt.Sprintf("%s-%s.tgz", c.Name, c.Version)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files["/charts/"+name] = data
	r.files["/v2/charts/"+c.Name+"/blobs/sha256:"+digest] = data
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": "sha256:" + strings.Repeat("0", 64), "size": 2},
		"layers": []any{map[string]any{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": "sha256:" + digest, "size": len(data)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.files["/v2/charts/"+c.Name+"/manifests/"+strings.ReplaceAll(c.Version, "+", "_")] = manifest
	r.entries[c.Name] = append(r.entries[c.Name], map[string]any{
		"apiVersion": "v2", "name": c.Name, "version": c.Version, "digest": digest, "urls": []string{name},
	})
	r.writeIndex(t)
	return digest
}

// Replace serves data at the archive path of name-version (tests of a changed archive),
// keeping the index's digest.
func (r *ChartRepo) Replace(name, version string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[fmt.Sprintf("/charts/%s-%s.tgz", name, version)] = data
}

// SetIndex replaces the index's entries (tests of a hostile index).
func (r *ChartRepo) SetIndex(t testing.TB, entries map[string][]map[string]any) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = entries
	r.writeIndex(t)
}

func (r *ChartRepo) writeIndex(t testing.TB) {
	data, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "entries": r.entries})
	if err != nil {
		t.Fatal(err)
	}
	r.files["/charts/index.yaml"] = data
}

// registryToken is the token the registry gives and wants when RequireToken is set.
const registryToken = "t0ken"

// RequireBasic makes the repository private: /charts/ and the token endpoint (with
// RequireToken), else the registry API, answer 401 unless a request bears basic credentials
// user and password.
func (r *ChartRepo) RequireBasic(user, password string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.user, r.password = user, password
}

// SetRealm makes the registry's Bearer challenge name realm instead of its own /token.
func (r *ChartRepo) SetRealm(realm string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.realm = realm
}

// Authorizations are the Authorization headers of the requests, in order ("" for none).
func (r *ChartRepo) Authorizations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auths...)
}

// CAPEM is the PEM of the certificate the repository serves, to trust it through a file.
func (r *ChartRepo) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Server.Certificate().Raw})
}

// basicOK reports whether req bears the credentials RequireBasic asked for (or none were).
func (r *ChartRepo) basicOK(req *http.Request) bool {
	r.mu.Lock()
	user, password := r.user, r.password
	r.mu.Unlock()
	u, p, ok := req.BasicAuth()
	return user == "" || ok && u == user && p == password
}

func (r *ChartRepo) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests = append(r.requests, req.Method+" "+req.URL.Path)
	r.auths = append(r.auths, req.Header.Get("Authorization"))
	realm := r.realm
	r.mu.Unlock()
	if realm == "" {
		realm = r.Server.URL + "/token"
	}
	token := r.RequireToken.Load()
	unauthorized := func(challenge string) {
		w.Header().Set("Www-Authenticate", challenge)
		w.WriteHeader(http.StatusUnauthorized)
	}
	switch {
	case req.URL.Path == "/token" && !r.basicOK(req):
		unauthorized(`Basic realm="testenv"`)
		return
	case req.URL.Path == "/token":
		_, _ = w.Write([]byte(`{"token": "` + registryToken + `"}`))
		return
	case strings.HasPrefix(req.URL.Path, "/v2/") && token && req.Header.Get("Authorization") != "Bearer "+registryToken:
		unauthorized(`Bearer realm="` + realm + `",service="testenv",scope="repository:charts:pull"`)
		return
	case (strings.HasPrefix(req.URL.Path, "/charts/") || strings.HasPrefix(req.URL.Path, "/v2/") && !token) && !r.basicOK(req):
		unauthorized(`Basic realm="testenv"`)
		return
	}
	r.mu.Lock()
	data, ok := r.files[req.URL.Path]
	r.mu.Unlock()
	if !ok {
		http.NotFound(w, req)
		return
	}
	_, _ = w.Write(data)
}

// Connections is how many connections the repository accepted.
func (r *ChartRepo) Connections() int64 { return r.conns.Load() }

// Requests are the requests it answered ("GET /charts/index.yaml"), in order.
func (r *ChartRepo) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// Roots trusts the repository's certificate.
func (r *ChartRepo) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(r.Server.Certificate())
	return pool
}

// LockedChart is the Chart.yaml of chart name (version 0.1.0) depending on deps, and the
// Chart.lock `helm dependency update` writes for it: each dependency pinned at the version
// pinned gives it by name, with the digest Helm gives Chart.yaml's dependencies and the lock
// (its internal resolver.HashReq), so that the lock is in sync.
func LockedChart(t testing.TB, name string, deps []*chart.Dependency, pinned map[string]string) (chartYAML, chartLock string) {
	t.Helper()
	cy, err := yaml.Marshal(&chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: "0.1.0", Dependencies: deps})
	if err != nil {
		t.Fatal(err)
	}
	var locked []*chart.Dependency
	for _, d := range deps {
		l := *d
		if v, ok := pinned[d.Name]; ok {
			l.Version = v
		}
		locked = append(locked, &l)
	}
	data, err := json.Marshal([2][]*chart.Dependency{deps, locked})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := provenance.Digest(bytes.NewBuffer(data))
	if err != nil {
		t.Fatal(err)
	}
	ly, err := yaml.Marshal(&chart.Lock{Digest: "sha256:" + sum, Dependencies: locked})
	if err != nil {
		t.Fatal(err)
	}
	return string(cy), string(ly)
}
