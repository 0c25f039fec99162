package config

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Private and internal chart sources (issue 13): RIGEL_HELM_CA_FILE is a PEM bundle the chart
// fetch client trusts besides the system's roots (a repository or registry with an internal
// CA); RIGEL_HELM_CREDENTIALS_FILE is a Docker-config JSON ({"auths": {"HOST": {"auth":
// base64(user:password)} or {"username", "password"}}}), the format of a Secret of type
// kubernetes.io/dockerconfigjson, holding the credentials of private chart repositories and
// OCI registries by host. Both files are read at start (a problem refuses to start) and again
// at each fetch, so that a mounted ConfigMap or Secret can be rotated without a restart.

// MaxHelmFileBytes bounds the CA bundle and the credentials file.
const MaxHelmFileBytes = 1 << 20

// HelmCredential is the user name and password of one host of a credentials file.
type HelmCredential struct {
	Host     string // host:port, lower case (443 when the key names none)
	Username string
	Password string
}

// String never shows the password.
func (c HelmCredential) String() string { return c.Username + "@" + c.Host }

// readHelmFile reads one of the files (setting names it in errors), at most MaxHelmFileBytes.
func readHelmFile(setting, file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", setting, file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxHelmFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", setting, file, err)
	}
	if len(data) > MaxHelmFileBytes {
		return nil, fmt.Errorf("%s: %s is larger than %d MiB", setting, file, MaxHelmFileBytes>>20)
	}
	return data, nil
}

// ReadHelmCA reads the PEM bundle of RIGEL_HELM_CA_FILE: an error unless it holds at least
// one certificate and nothing else but certificates.
func ReadHelmCA(file string) ([]byte, error) {
	data, err := readHelmFile("RIGEL_HELM_CA_FILE", file)
	if err != nil {
		return nil, err
	}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if n > 0 && strings.TrimSpace(string(rest)) != "" {
				return nil, fmt.Errorf("RIGEL_HELM_CA_FILE: %s holds something that is not a PEM block after %d certificates", file, n)
			}
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("RIGEL_HELM_CA_FILE: %s holds a %s block: give only CA certificates (PEM, BEGIN CERTIFICATE)", file, b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, fmt.Errorf("RIGEL_HELM_CA_FILE: certificate %d of %s: %w", n+1, file, err)
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("RIGEL_HELM_CA_FILE: %s holds no PEM certificate (BEGIN CERTIFICATE)", file)
	}
	return data, nil
}

// dockerConfig is what Rigel reads of a Docker-config JSON.
type dockerConfig struct {
	Auths       map[string]dockerAuth `json:"auths"`
	CredsStore  string                `json:"credsStore"`
	CredHelpers map[string]string     `json:"credHelpers"`
}

type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// ReadHelmCredentials reads the credentials of RIGEL_HELM_CREDENTIALS_FILE, sorted by host.
// Its errors name the file and the host, never a password.
func ReadHelmCredentials(file string) ([]HelmCredential, error) {
	data, err := readHelmFile("RIGEL_HELM_CREDENTIALS_FILE", file)
	if err != nil {
		return nil, err
	}
	var dc dockerConfig
	if err := json.Unmarshal(data, &dc); err != nil {
		return nil, fmt.Errorf("RIGEL_HELM_CREDENTIALS_FILE: %s is not a Docker-config JSON ({\"auths\": {\"HOST\": {\"auth\": \"…\"}}}): %w", file, err)
	}
	if dc.CredsStore != "" || len(dc.CredHelpers) > 0 {
		return nil, fmt.Errorf("RIGEL_HELM_CREDENTIALS_FILE: %s names a credential helper (credsStore, credHelpers), which Rigel does not run: put the credentials in auths", file)
	}
	if len(dc.Auths) == 0 {
		return nil, fmt.Errorf("RIGEL_HELM_CREDENTIALS_FILE: %s has no entry in auths", file)
	}
	var out []HelmCredential
	seen := map[string]string{}
	for key, a := range dc.Auths {
		host, err := helmCredentialHost(key)
		if err != nil {
			return nil, fmt.Errorf("RIGEL_HELM_CREDENTIALS_FILE: in %s, auths key %q %w", file, key, err)
		}
		if other, dup := seen[host]; dup {
			return nil, fmt.Errorf("RIGEL_HELM_CREDENTIALS_FILE: in %s, auths keys %q and %q are both for %s: keep one (credentials are per host)", file, other, key, host)
		}
		seen[host] = key
		c, err := a.credential(host)
		if err != nil {
			return nil, fmt.Errorf("RIGEL_HELM_CREDENTIALS_FILE: in %s, auths key %q: %w", file, key, err)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out, nil
}

// credential is the user name and password of a.
func (a dockerAuth) credential(host string) (HelmCredential, error) {
	c := HelmCredential{Host: host, Username: a.Username, Password: a.Password}
	if a.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a.Auth))
		if err != nil {
			return c, fmt.Errorf("auth is not base64 of user:password")
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return c, fmt.Errorf("auth is not base64 of user:password (no colon)")
		}
		c.Username, c.Password = user, pass
	}
	switch {
	case c.Username == "" && c.Password == "" && (a.IdentityToken != "" || a.RegistryToken != ""):
		return c, fmt.Errorf("holds only an identity or registry token, which Rigel does not use: give a username and password (or auth)")
	case c.Username == "" || c.Password == "":
		return c, fmt.Errorf("needs a username and a password (or auth, base64 of user:password)")
	case strings.ContainsAny(c.Username, ":\r\n") || strings.ContainsAny(c.Password, "\r\n"):
		return c, fmt.Errorf("has a username with a colon or a line break, or a password with a line break")
	}
	return c, nil
}

// helmCredentialHost is the host:port an auths key is for: "registry.example.com",
// "charts.example.com:8443", "https://charts.example.com/any/path" (the path is ignored:
// credentials are per host). Docker Hub's keys (index.docker.io, docker.io) are for its
// registry, registry-1.docker.io.
func helmCredentialHost(key string) (string, error) {
	k := strings.TrimSpace(key)
	switch {
	case strings.HasPrefix(k, "http://"):
		return "", fmt.Errorf("is an http:// URL: Rigel sends credentials over https only; write the host")
	case strings.HasPrefix(k, "oci://"):
		k = "https://" + strings.TrimPrefix(k, "oci://")
	case !strings.HasPrefix(k, "https://"):
		k = "https://" + k
	}
	u, err := url.Parse(k)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("is not a host (registry.example.com, charts.example.com:8443)")
	}
	host := strings.ToLower(u.Hostname())
	if host == "index.docker.io" || host == "docker.io" {
		host = "registry-1.docker.io"
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(host, port), nil
}
