package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// caPEM is a fresh self-signed CA certificate in PEM.
func caPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "internal-ca"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// The credentials file is a Docker-config JSON: auth or username/password per host, the host
// normalized to host:port; what Rigel cannot use is refused naming the key, never the password.
func TestReadHelmCredentials(t *testing.T) {
	const pass = "hunter2-PASS"
	tests := []struct {
		name, data string
		want       []HelmCredential
		err        string
	}{
		{name: "auth and username/password", data: `{"auths": {"registry.example.com": {"auth": "dTpodW50ZXIyLVBBU1M="}, "https://charts.example.com:8443/private": {"username": "v", "password": "` + pass + `"}}}`,
			want: []HelmCredential{{Host: "charts.example.com:8443", Username: "v", Password: pass}, {Host: "registry.example.com:443", Username: "u", Password: pass}}},
		{name: "docker hub", data: `{"auths": {"https://index.docker.io/v1/": {"auth": "dTpodW50ZXIyLVBBU1M="}}}`,
			want: []HelmCredential{{Host: "registry-1.docker.io:443", Username: "u", Password: pass}}},
		{name: "oci key", data: `{"auths": {"oci://Registry.Example.com": {"auth": "dTpodW50ZXIyLVBBU1M="}}}`,
			want: []HelmCredential{{Host: "registry.example.com:443", Username: "u", Password: pass}}},
		{name: "not JSON", data: `auths: {}`, err: "is not a Docker-config JSON"},
		{name: "no auths", data: `{"auths": {}}`, err: "has no entry in auths"},
		{name: "credential helper", data: `{"credsStore": "desktop", "auths": {"r.example.com": {}}}`, err: "credential helper"},
		{name: "http key", data: `{"auths": {"http://r.example.com": {"username": "u", "password": "` + pass + `"}}}`, err: `auths key "http://r.example.com" is an http:// URL`},
		{name: "two keys, one host", data: `{"auths": {"r.example.com": {"username": "u", "password": "` + pass + `"}, "https://r.example.com:443/x": {"username": "u", "password": "` + pass + `"}}}`, err: "are both for r.example.com:443"},
		{name: "identity token only", data: `{"auths": {"r.example.com": {"identitytoken": "` + pass + `"}}}`, err: "identity or registry token"},
		{name: "no password", data: `{"auths": {"r.example.com": {"username": "u"}}}`, err: "needs a username and a password"},
		{name: "auth not base64", data: `{"auths": {"r.example.com": {"auth": "` + pass + `!"}}}`, err: "auth is not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadHelmCredentials(writeFile(t, "config.json", tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), pass) {
					t.Fatalf("err = %v, want %q and no password", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("credential %d = %+v, want %+v", i, got[i], tt.want[i])
				}
				if strings.Contains(got[i].String(), pass) {
					t.Errorf("String() shows the password: %s", got[i])
				}
			}
		})
	}
}

// The CA file holds CA certificates and nothing else; the settings refuse to start with a
// file that is not one, with files but no allowlist, and with a missing file.
func TestHelmFilesProblems(t *testing.T) {
	ca := caPEM(t)
	creds := writeFile(t, "config.json", `{"auths": {"charts.example.com": {"username": "u", "password": "p"}}}`)
	tests := []struct {
		name  string
		tune  func(s *Settings)
		wants []string
	}{
		{name: "fine", tune: func(s *Settings) {
			s.HelmCAFile, s.HelmCredentialsFile = writeFile(t, "ca.crt", ca+ca), creds
		}},
		{name: "not PEM", tune: func(s *Settings) { s.HelmCAFile = writeFile(t, "ca.crt", "hello\n") }, wants: []string{"RIGEL_HELM_CA_FILE", "holds no PEM certificate"}},
		{name: "a key in the bundle", tune: func(s *Settings) {
			s.HelmCAFile = writeFile(t, "ca.crt", ca+"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
		}, wants: []string{"holds a PRIVATE KEY block"}},
		{name: "missing files", tune: func(s *Settings) {
			s.HelmCAFile, s.HelmCredentialsFile = "/nonexistent/ca.crt", "/nonexistent/config.json"
		}, wants: []string{"RIGEL_HELM_CA_FILE: cannot read /nonexistent/ca.crt", "RIGEL_HELM_CREDENTIALS_FILE: cannot read /nonexistent/config.json"}},
		{name: "no allowlist", tune: func(s *Settings) {
			s.HelmRepositories = nil
			s.HelmCredentialsFile = creds
		}, wants: []string{"RIGEL_HELM_CREDENTIALS_FILE is set, and RIGEL_HELM_REPOSITORIES is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validApp(t)
			s.HelmRepositories = []string{"https://charts.example.com/stable"}
			tt.tune(s)
			err := s.Validate()
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("started, want %q", tt.wants)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want %q", err, w)
				}
			}
		})
	}
}
