package sync

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Pulling a chart from an allowlisted OCI registry (oci:// entries of ChartRepos.Allow), with
// the registry API as Helm does: the manifest of the tag (the version, "+" written "_"), its
// chart layer (application/vnd.cncf.helm.chart.content.v1.tar+gzip), and that blob, verified
// against the layer's sha256 digest and cached by it. When the registry answers 401 with a
// Bearer challenge, a token is asked for from its realm — on the registry's host or below an
// allowlist entry only, with the registry's credentials when RIGEL_HELM_CREDENTIALS_FILE has
// some (helm_fetch_auth.go), else anonymously; with a Basic challenge, the registry's
// credentials are sent to it. Redirects (blob storage) are followed only to allowlisted hosts.

const (
	ociManifestType = "application/vnd.oci.image.manifest.v1+json"
	ociChartLayer   = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	maxOCIManifest  = 1 << 20
)

// fetchOCI returns the archive of chart name at version from the OCI repository repoURL
// (oci://host/path, allowlisted).
func (r *ChartRepos) fetchOCI(ctx context.Context, repoURL, name, version string, refuse func(reason string) error) ([]byte, error) {
	u, err := url.Parse(repoURL)
	if err != nil || u.Host == "" {
		return nil, refuse("is not an oci:// URL")
	}
	key := repoURL + "\x00" + name + "\x00" + version
	fetchedDigests.Lock()
	digest := fetchedDigests.m[key]
	fetchedDigests.Unlock()
	if digest != "" {
		if data := r.cached(digest); data != nil {
			return data, nil
		}
	}
	list := parseAllow(r.Allow)
	repoPath := strings.Trim(path.Join(u.Path, name), "/")
	if !chartSegment(name) || !chartSegment(version) || !allows(list, "oci://"+u.Host+"/"+repoPath) {
		return nil, refuse(fmt.Sprintf("cannot hold %q at %q: a chart name or version is one path segment", name, version))
	}
	c, auth, err := r.client(list)
	if err != nil {
		return nil, fmt.Errorf("failed to fetch %s %s from %s: %w", name, version, repoURL, err)
	}
	defer c.CloseIdleConnections()
	reg := &registry{c: c, auth: auth, list: list, host: hostPort(u)}
	data, err := r.pull(ctx, reg, u, repoPath, key, repoURL, name, version, refuse)
	return data, auth.redactErr(caHint(err))
}

// registry is one fetch's view of an OCI registry: its client, credentials and host.
type registry struct {
	c    *http.Client
	auth *fetchAuth
	list []allowedRepo
	host string // host:port
}

// pull is fetchOCI with the registry reg: the manifest of the version, then its chart layer.
func (r *ChartRepos) pull(ctx context.Context, reg *registry, u *url.URL, repoPath, key, repoURL, name, version string, refuse func(reason string) error) ([]byte, error) {
	var digest string
	base := "https://" + u.Host + "/v2/" + repoPath
	tag := strings.ReplaceAll(version, "+", "_")
	raw, err := reg.get(ctx, base+"/manifests/"+url.PathEscape(tag), ociManifestType, maxOCIManifest)
	if err != nil {
		return nil, fmt.Errorf("failed to read the manifest of %s %s from %s: %w", name, version, repoURL, err)
	}
	var m struct {
		Layers []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("failed to read the manifest of %s %s from %s: %w", name, version, repoURL, err)
	}
	for _, l := range m.Layers {
		if l.MediaType == ociChartLayer {
			digest = l.Digest
			break
		}
	}
	hexDigest := strings.ToLower(strings.TrimPrefix(digest, "sha256:"))
	if !strings.HasPrefix(digest, "sha256:") || len(hexDigest) != sha256.Size*2 || strings.Trim(hexDigest, "0123456789abcdef") != "" {
		return nil, refuse(fmt.Sprintf("gives %s %s no chart layer with a sha256 digest in its manifest, and Rigel fetches only what it can verify", name, version))
	}
	return r.verified(ctx, key, hexDigest, "its manifest", repoURL, name, version, refuse,
		func() ([]byte, error) { return reg.get(ctx, base+"/blobs/"+digest, "", MaxChartBytes) })
}

// get is a GET of the registry API with at most max bytes. The registry's credentials, if
// any, go with it (authTransport); a 401 with a Bearer challenge is answered once with a
// token from the challenge's realm (token), which then goes with every request to the
// registry.
func (reg *registry) get(ctx context.Context, u, accept string, max int64) ([]byte, error) {
	do := func() (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "rigel")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return reg.c.Do(req)
	}
	resp, err := do()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		challenge := resp.Header.Get("Www-Authenticate")
		resp.Body.Close()
		scheme, _, _ := strings.Cut(challenge, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			token, err := reg.token(ctx, challenge)
			if err != nil {
				return nil, fmt.Errorf("GET %s: the registry wants a token: %w", u, err)
			}
			reg.auth.setToken(reg.host, token)
		default: // Basic (the credentials, if any, were sent) or unknown
			return nil, authHint(&answerError{url: u, status: "401 Unauthorized", code: http.StatusUnauthorized}, reg.auth, reg.host)
		}
		if resp, err = do(); err != nil {
			return nil, err
		}
	}
	defer resp.Body.Close()
	data, err := readAnswer(resp, u, max)
	return data, authHint(err, reg.auth, reg.host)
}

// token asks the realm of a Bearer challenge for a token: with the registry's credentials
// when there are some, else anonymously; only from a realm on the registry's host or below
// an allowlist entry (realmAllowed).
func (reg *registry) token(ctx context.Context, challenge string) (string, error) {
	_, params, _ := strings.Cut(challenge, " ")
	kv := map[string]string{}
	for _, p := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok {
			kv[strings.ToLower(k)] = strings.Trim(v, `"`)
		}
	}
	realm, err := url.Parse(kv["realm"])
	if err != nil {
		return "", fmt.Errorf("its token realm %q is not a URL", kv["realm"])
	}
	if err := realmAllowed(reg.list, reg.host, realm); err != nil {
		return "", err
	}
	q := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if kv[k] != "" {
			q.Set(k, kv[k])
		}
	}
	realm.RawQuery = q.Encode()
	cred, hasCred := reg.auth.credential(reg.host)
	raw, err := get(ctx, reg.c, realm.String(), 64<<10, func(req *http.Request) {
		if hasCred { // the registry's credentials, to its realm (a redirect drops them)
			req.SetBasicAuth(cred.Username, cred.Password)
		}
	})
	if err != nil {
		return "", authHint(err, reg.auth, reg.host)
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", fmt.Errorf("its token answer: %w", err)
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	if t.Token == "" {
		return "", fmt.Errorf("its token answer holds no token")
	}
	return t.Token, nil
}
