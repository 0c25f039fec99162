package sync

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"
	"sigs.k8s.io/yaml"
)

// Fetching a chart's dependencies (issue 13): a dependency of Chart.yaml that is neither
// vendored in charts/ nor a file:// path in the repository is fetched only when its
// repository is on the admin's allowlist (ChartRepos.Allow, RIGEL_HELM_REPOSITORIES), at the
// version Chart.lock pins (Chart.lock must be in sync with Chart.yaml, as `helm dependency
// build` checks), verified against the sha256 digest the repository's index.yaml gives it,
// and cached by that digest. The HTTP client dials only the allowlisted hosts: anything
// else — a dependency's repository, an index's chart URL, a redirect — is refused before a
// connection is opened (no DNS lookup either). No proxy is used.

// ChartRepos are where chart dependencies may be fetched from. The zero value (or nil)
// fetches nothing.
type ChartRepos struct {
	// Allow are https chart repository URLs (https://charts.example.com/stable) and oci://
	// prefixes (config.Settings.HelmRepositories). A repository is allowed when it is an
	// entry or below one (same scheme and host, the entry's path a prefix of its path).
	Allow []string
	// CacheDir keeps fetched archives by digest (CacheDir/helm-charts/sha256-<hex>.tgz, at
	// most MaxChartCacheBytes); "" caches nothing.
	CacheDir string
	// CAFile is a PEM bundle trusted besides the system's roots (config.Settings.HelmCAFile);
	// CredentialsFile a Docker-config JSON of credentials by host
	// (config.Settings.HelmCredentialsFile), helm_fetch_auth.go. Both are read at each fetch
	// (a rotated ConfigMap or Secret is used without a restart); "" none.
	CAFile, CredentialsFile string

	roots *x509.CertPool // the trusted roots (Trusting); nil: the system's
}

// Trusting returns a copy of r that trusts roots instead of the system's (tests; CAFile's
// certificates are still added). Unexported, so that RenderOptions stays gob-encodable.
func (r ChartRepos) Trusting(roots *x509.CertPool) *ChartRepos {
	r.roots = roots
	return &r
}

// Bounds on fetching.
const (
	MaxChartIndexBytes = 32 << 20 // a repository's index.yaml
	MaxChartCacheBytes = 512 << 20
	chartFetchTimeout  = 30 * time.Second
)

// allowedRepo is one allowlist entry, parsed.
type allowedRepo struct {
	scheme, host, path string // host with port
}

func parseAllow(entries []string) []allowedRepo {
	var out []allowedRepo
	for _, e := range entries {
		u, err := url.Parse(strings.TrimSpace(e))
		if err != nil || (u.Scheme != "https" && u.Scheme != "oci") || u.Host == "" || u.User != nil {
			continue // config refuses it at start
		}
		out = append(out, allowedRepo{scheme: u.Scheme, host: hostPort(u), path: strings.TrimSuffix(u.Path, "/")})
	}
	return out
}

// hostPort is u's host with its port (443 when none).
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return strings.ToLower(u.Host)
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), "443")
}

// allows reports whether the URL raw (https or oci) is an allowlisted repository or below one.
func allows(list []allowedRepo, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	p := path.Clean("/" + u.Path)
	if strings.Contains(u.Path, "..") {
		return false
	}
	for _, a := range list {
		if u.Scheme == a.scheme && hostPort(u) == a.host && (a.path == "" || p == a.path || strings.HasPrefix(p, a.path+"/")) {
			return true
		}
	}
	return false
}

// chartSegment reports whether s can be a chart name or version in a path: not empty, no
// slash, backslash or "..".
func chartSegment(s string) bool {
	return s != "" && !strings.ContainsAny(s, `/\`) && !strings.Contains(s, "..")
}

// refusedDial is the error of a connection the fetch client refused to open.
type refusedDial struct{ addr string }

func (e *refusedDial) Error() string {
	return fmt.Sprintf("Rigel does not connect to %s: it is not a host of RIGEL_HELM_REPOSITORIES", e.addr)
}

// client is an HTTP client that dials only the allowlisted hosts, follows redirects only to
// allowlisted URLs (dropping any Authorization header the request had), uses no proxy, trusts
// the system's roots and CAFile's, and authenticates with CredentialsFile's credentials by
// host (helm_fetch_auth.go).
func (r *ChartRepos) client(list []allowedRepo) (*http.Client, *fetchAuth, error) {
	pool, err := roots(r.roots, r.CAFile)
	if err != nil {
		return nil, nil, err
	}
	auth, err := loadAuth(r.CredentialsFile)
	if err != nil {
		return nil, nil, err
	}
	hosts := map[string]bool{}
	for _, a := range list {
		hosts[a.host] = true
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !hosts[strings.ToLower(addr)] {
				return nil, &refusedDial{addr: addr}
			}
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport: &authTransport{base: tr, auth: auth},
		Timeout:   chartFetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			req.Header.Del("Authorization") // the transport adds the new host's own, if any
			if len(via) >= 5 {
				return errors.New("more than 5 redirects")
			}
			if req.URL.Scheme != "https" || !(allows(list, req.URL.String()) || hosts[hostPort(req.URL)] && ociHost(list, hostPort(req.URL))) {
				return fmt.Errorf("redirected to %s, which is not below an entry of RIGEL_HELM_REPOSITORIES", req.URL.Redacted())
			}
			return nil
		},
	}, auth, nil
}

// ociHost reports whether host is that of an oci:// entry (a registry's redirects, to its
// blob storage on the same host, are followed; to another host only if it is allowlisted).
func ociHost(list []allowedRepo, host string) bool {
	for _, a := range list {
		if a.scheme == "oci" && a.host == host {
			return true
		}
	}
	return false
}

// answerError is an answer other than 200 OK.
type answerError struct {
	url    string
	status string
	code   int
}

func (e *answerError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

// get fetches u with at most max bytes; setup (optional) changes the request first.
func get(ctx context.Context, c *http.Client, u string, max int64, setup ...func(*http.Request)) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "rigel")
	for _, f := range setup {
		f(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readAnswer(resp, u, max)
}

// readAnswer reads the body of a 200 answer to GET u, at most max bytes.
func readAnswer(resp *http.Response, u string, max int64) ([]byte, error) {
	if resp.StatusCode != http.StatusOK {
		return nil, &answerError{url: u, status: resp.Status, code: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("GET %s: more than %d MiB, the limit", u, max>>20)
	}
	return data, nil
}

// authHint adds to a 401 or 403 answer of host what to do about credentials.
func authHint(err error, auth *fetchAuth, host string) error {
	var se *answerError
	if !errors.As(err, &se) || se.code != http.StatusUnauthorized && se.code != http.StatusForbidden {
		return err
	}
	if c, ok := auth.credential(host); ok {
		return fmt.Errorf("%w: it refused the credentials of RIGEL_HELM_CREDENTIALS_FILE for %s (user %s): check them", err, host, c.Username)
	}
	return fmt.Errorf("%w: it wants credentials, and RIGEL_HELM_CREDENTIALS_FILE has none for %s: ask Rigel's admin to add them", err, host)
}

// chartIndex is what Rigel reads of a chart repository's index.yaml (helm's repo.IndexFile,
// whose package would bring Helm's cluster client into the build).
type chartIndex struct {
	Entries map[string][]*indexEntry `json:"entries"`
}

type indexEntry struct {
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	Digest  string   `json:"digest"`
	Removed bool     `json:"removed"`
}

// fetchedDigests remembers the digest an index gave a chart version (repository, name,
// version), so that a cached archive needs no index read. Bounded.
var fetchedDigests = struct {
	gosync.Mutex
	m map[string]string
}{m: map[string]string{}}

const maxFetchedDigests = 4096

// fetch returns the archive of chart name at version from the https chart repository
// repoURL (allowlisted), verified against the digest its index gives it. A refusal is a
// *HermeticError at file/field.
func (r *ChartRepos) fetch(ctx context.Context, repoURL, name, version string, refuse func(reason string) error) ([]byte, error) {
	list := parseAllow(r.Allow)
	key := repoURL + "\x00" + name + "\x00" + version
	fetchedDigests.Lock()
	digest := fetchedDigests.m[key]
	fetchedDigests.Unlock()
	if digest != "" {
		if data := r.cached(digest); data != nil {
			return data, nil
		}
	}
	c, auth, err := r.client(list)
	if err != nil {
		return nil, fmt.Errorf("failed to fetch %s %s from %s: %w", name, version, repoURL, err)
	}
	defer c.CloseIdleConnections()
	data, err := r.fetchIndexed(ctx, c, auth, list, key, repoURL, name, version, refuse)
	return data, auth.redactErr(caHint(err))
}

// fetchIndexed is fetch with the client c: the index, then the archive it names.
func (r *ChartRepos) fetchIndexed(ctx context.Context, c *http.Client, auth *fetchAuth, list []allowedRepo, key, repoURL, name, version string, refuse func(reason string) error) ([]byte, error) {
	base := strings.TrimSuffix(repoURL, "/")
	baseURL, err := url.Parse(base + "/")
	if err != nil {
		return nil, fmt.Errorf("chart repository %s: %w", repoURL, err)
	}
	raw, err := get(ctx, c, base+"/index.yaml", MaxChartIndexBytes)
	if err != nil {
		return nil, fmt.Errorf("failed to read the index of chart repository %s: %w", repoURL, authHint(err, auth, hostPort(baseURL)))
	}
	if err := checkAliasBomb(base+"/index.yaml", raw); err != nil {
		return nil, fmt.Errorf("failed to read the index of chart repository %s: %w", repoURL, err)
	}
	var idx chartIndex
	if err := yaml.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("failed to read the index of chart repository %s: %w", repoURL, err)
	}
	var cv *indexEntry
	for _, v := range idx.Entries[name] {
		if v != nil && v.Version == version && !v.Removed {
			cv = v
			break
		}
	}
	switch {
	case cv == nil:
		return nil, refuse(fmt.Sprintf("is locked at version %s in Chart.lock, and the repository's index.yaml has no %s %s: run `helm dependency update` and commit Chart.lock", version, name, version))
	case len(cv.URLs) == 0:
		return nil, refuse(fmt.Sprintf("has no download URL for %s %s in the repository's index.yaml", name, version))
	}
	digest := strings.ToLower(strings.TrimPrefix(cv.Digest, "sha256:"))
	if len(digest) != sha256.Size*2 || strings.Trim(digest, "0123456789abcdef") != "" {
		return nil, refuse(fmt.Sprintf("gives %s %s no sha256 digest in its index.yaml, and Rigel fetches only what it can verify: vendor the chart in charts/ (helm dependency build) and commit it", name, version))
	}
	ref, err := url.Parse(cv.URLs[0])
	if err != nil {
		return nil, refuse(fmt.Sprintf("gives %s %s the download URL %q, which is not a URL", name, version, cv.URLs[0]))
	}
	dl := baseURL.ResolveReference(ref)
	if dl.Scheme != "https" || !allows(list, dl.String()) {
		return nil, refuse(fmt.Sprintf("gives %s %s the download URL %s, which is not below an entry of RIGEL_HELM_REPOSITORIES: add its repository to the allowlist, or vendor the chart in charts/", name, version, dl.Redacted()))
	}
	return r.verified(ctx, key, digest, "its index.yaml", repoURL, name, version, refuse,
		func() ([]byte, error) {
			data, err := get(ctx, c, dl.String(), MaxChartBytes)
			return data, authHint(err, auth, hostPort(dl))
		})
}

// verified returns the archive of chart name at version whose sha256 is digest (hex): from
// the cache, else what download answers once its sum is digest (which from, "its index.yaml"
// or "its manifest", gave), then kept in the cache. key remembers the digest.
func (r *ChartRepos) verified(ctx context.Context, key, digest, from, repoURL, name, version string, refuse func(reason string) error, download func() ([]byte, error)) ([]byte, error) {
	if data := r.cached(digest); data != nil {
		remember(key, digest)
		return data, nil
	}
	data, err := download()
	if err != nil {
		return nil, fmt.Errorf("failed to fetch %s %s from %s: %w", name, version, repoURL, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != digest {
		return nil, refuse(fmt.Sprintf("served %s %s with sha256 %s, and %s gives %s: the archive was changed or corrupted, so Rigel does not use it", name, version, got, from, digest))
	}
	remember(key, digest)
	r.store(ctx, digest, data)
	zerolog.Ctx(ctx).Info().Str("repository", repoURL).Str("chart", name).Str("version", version).
		Str("digest", digest).Int("bytes", len(data)).Msg("chart dependency fetched")
	return data, nil
}

func remember(key, digest string) {
	fetchedDigests.Lock()
	defer fetchedDigests.Unlock()
	if len(fetchedDigests.m) >= maxFetchedDigests {
		clear(fetchedDigests.m)
	}
	fetchedDigests.m[key] = digest
}

// cacheDir is where archives are cached ("" for none).
func (r *ChartRepos) cacheDir() string {
	if r.CacheDir == "" {
		return ""
	}
	return filepath.Join(r.CacheDir, "helm-charts")
}

// cached returns the cached archive of digest when it is there and still matches it.
func (r *ChartRepos) cached(digest string) []byte {
	dir := r.cacheDir()
	if dir == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(dir, "sha256-"+digest+".tgz"))
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxChartBytes+1))
	if err != nil || int64(len(data)) > MaxChartBytes {
		return nil
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != digest {
		return nil
	}
	return data
}

// store caches an archive by digest, then removes the oldest archives beyond
// MaxChartCacheBytes. A failure is logged: the cache is only a cache.
func (r *ChartRepos) store(ctx context.Context, digest string, data []byte) {
	dir := r.cacheDir()
	if dir == "" {
		return
	}
	log := zerolog.Ctx(ctx)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Warn().Err(err).Msg("chart cache: cannot create its folder")
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		log.Warn().Err(err).Msg("chart cache: cannot write")
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		log.Warn().Err(errors.Join(werr, cerr)).Msg("chart cache: cannot write")
		return
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "sha256-"+digest+".tgz")); err != nil {
		_ = os.Remove(tmp.Name())
		log.Warn().Err(err).Msg("chart cache: cannot write")
		return
	}
	pruneCache(dir, MaxChartCacheBytes)
}

// pruneCache removes the oldest archives of dir until they hold at most max bytes.
func pruneCache(dir string, max int64) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		name string
		size int64
		mod  time.Time
	}
	var files []file
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || !strings.HasPrefix(e.Name(), "sha256-") {
			continue
		}
		files = append(files, file{e.Name(), info.Size(), info.ModTime()})
		total += info.Size()
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	for _, f := range files {
		if total <= max {
			return
		}
		if os.Remove(filepath.Join(dir, f.name)) == nil {
			total -= f.size
		}
	}
}
