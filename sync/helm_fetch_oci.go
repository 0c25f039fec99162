package sync

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Pulling a chart from an allowlisted OCI registry (oci:// entries of ChartRepos.Allow), with
// the registry API as Helm does: the manifest of the tag (the version, "+" written "_"), its
// chart layer (application/vnd.cncf.helm.chart.content.v1.tar+gzip), and that blob, verified
// against the layer's sha256 digest and cached by it. An anonymous bearer token is asked for
// when the registry wants one, from a realm on an allowlisted host only (the client dials
// nothing else). Redirects (blob storage) are followed only to allowlisted hosts.

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
	c := r.client(list)
	defer c.CloseIdleConnections()
	repoPath := strings.Trim(path.Join(u.Path, name), "/")
	if !chartSegment(name) || !chartSegment(version) || !allows(list, "oci://"+u.Host+"/"+repoPath) {
		return nil, refuse(fmt.Sprintf("cannot hold %q at %q: a chart name or version is one path segment", name, version))
	}
	base := "https://" + u.Host + "/v2/" + repoPath
	tag := strings.ReplaceAll(version, "+", "_")
	raw, err := ociGet(ctx, c, base+"/manifests/"+url.PathEscape(tag), ociManifestType, maxOCIManifest)
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
		func() ([]byte, error) { return ociGet(ctx, c, base+"/blobs/"+digest, "", MaxChartBytes) })
}

// ociGet is a GET of the registry API with at most max bytes, asking for an anonymous bearer
// token once when the registry answers 401 with one.
func ociGet(ctx context.Context, c *http.Client, u, accept string, max int64) ([]byte, error) {
	do := func(token string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "rigel")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return c.Do(req)
	}
	resp, err := do("")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		challenge := resp.Header.Get("Www-Authenticate")
		resp.Body.Close()
		token, err := ociToken(ctx, c, challenge)
		if err != nil {
			return nil, fmt.Errorf("GET %s: the registry wants a token: %w", u, err)
		}
		if resp, err = do(token); err != nil {
			return nil, err
		}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("GET %s: more than %d bytes, the limit", u, max)
	}
	return data, nil
}

// ociToken asks the realm of a Bearer challenge for an anonymous token.
func ociToken(ctx context.Context, c *http.Client, challenge string) (string, error) {
	scheme, params, _ := strings.Cut(challenge, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("it asks for %q authentication, and Rigel pulls only public charts", scheme)
	}
	kv := map[string]string{}
	for _, p := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok {
			kv[strings.ToLower(k)] = strings.Trim(v, `"`)
		}
	}
	realm, err := url.Parse(kv["realm"])
	if err != nil || realm.Scheme != "https" || realm.Host == "" {
		return "", fmt.Errorf("its token realm %q is not an https URL", kv["realm"])
	}
	q := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if kv[k] != "" {
			q.Set(k, kv[k])
		}
	}
	realm.RawQuery = q.Encode()
	raw, err := get(ctx, c, realm.String(), 64<<10)
	if err != nil {
		return "", err
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
