package gitsrc

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestHostCheck(t *testing.T) {
	github, err := ParseHost("https://github.com/")
	if err != nil {
		t.Fatal(err)
	}
	local, err := ParseHost("http://127.0.0.1:8081")
	if err != nil {
		t.Fatal(err)
	}
	v6, err := ParseHost("https://[::1]:8443")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host     Host
		cloneURL string
		ok       bool
	}{
		{github, "https://github.com/acme/web.git", true},
		{github, "https://GitHub.com/acme/web.git", true},
		{github, "https://github.com:443/acme/web.git", true},
		{github, "https://github.com/acme/web", true},
		{github, "http://github.com/acme/web.git", false},           // another scheme
		{github, "http://evil/acme/web.git", false},                 // another host
		{github, "https://github.com.evil.com/acme/web.git", false}, // a suffix
		{github, "https://evil.com/github.com/acme/web.git", false}, // the host in the path
		{github, "https://evil/github.com", false},
		{github, "https://github.com@evil.com/acme/web.git", false},         // userinfo
		{github, "https://x-access-token:t@github.com/acme/web.git", false}, // credentials
		{github, "https://evil.com#@github.com/acme/web.git", false},        // fragment trick
		{github, "https://evil.com\\@github.com/acme/web.git", false},       // backslash trick
		{github, "https://github.com./acme/web.git", false},                 // trailing dot
		{github, "https://githüb.com/acme/web.git", false},                  // IDN
		{github, "https://xn--githb-kva.com/acme/web.git", false},           // its punycode
		{github, "https://github%2ecom/acme/web.git", false},                // escaped dot
		{github, "https://github.com:8443/acme/web.git", false},             // another port
		{github, "https://github.com:/acme/web.git", true},                  // empty port: the default
		{github, "https://[::1]/acme/web.git", false},                       // IPv6 literal
		{github, "https://140.82.121.4/acme/web.git", false},                // an address of github.com is still another host
		{github, "git@github.com:acme/web.git", false},                      // scp-like
		{github, "ssh://git@github.com/acme/web.git", false},
		{github, "file:///etc/passwd", false},
		{github, "//github.com/acme/web.git", false}, // no scheme
		{github, "", false},
		{local, "http://127.0.0.1:8081/acme/web.git", true},
		{local, "http://127.0.0.1:8082/acme/web.git", false}, // another port of the same machine
		{local, "http://127.0.0.1/acme/web.git", false},
		{local, "https://127.0.0.1:8081/acme/web.git", false},
		{local, "http://127.1:8081/acme/web.git", false}, // the same address, spelt otherwise
		{local, "http://localhost:8081/acme/web.git", false},
		{v6, "https://[::1]:8443/acme/web.git", true},
		{v6, "https://[0:0:0:0:0:0:0:1]:8443/acme/web.git", false},
		{v6, "https://[::1%25eth0]:8443/acme/web.git", false}, // a zone
		{Host{}, "https://github.com/acme/web.git", false},    // no host configured
		{github, "https://github.com/ACME/Web.git", true},     // names are case-insensitive
		{github, "https://github.com/acme/web/", true},
		{github, "https://github.com/acme/other.git", false},   // another repository of the installation
		{github, "https://github.com/acme/web/x.git", false},   // a path below it
		{github, "https://github.com/acme/web.git?x=1", false}, // a query
		{github, "https://github.com/acme/../acme/web.git", false},
	}
	for _, tt := range tests {
		t.Run(tt.host.String()+" "+tt.cloneURL, func(t *testing.T) {
			err := tt.host.Check("acme/web", tt.cloneURL)
			if (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok %v", err, tt.ok)
			}
			if err == nil {
				return
			}
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatalf("err is %T, want *HostError", err)
			}
			for _, want := range []string{"acme/web", "RIGEL_GIT_URL", "helmsman-git-sources"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if strings.Contains(err.Error(), ":t@") {
				t.Errorf("error quotes the credentials: %v", err)
			}
		})
	}
}

func TestParseHost(t *testing.T) {
	tests := []struct {
		base, want string
		secure     bool
	}{
		{"https://github.com/", "https://github.com", true},
		{"https://GHE.example.com:443/", "https://ghe.example.com", true},
		{"https://ghe.example.com:8443", "https://ghe.example.com:8443", true},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081", true},
		{"http://[::1]:80/", "http://[::1]", true},
		{"http://ghe.internal/", "http://ghe.internal", false},
		{"ftp://github.com", "", false},
		{"https://user:pw@github.com", "", false},
		{"https://github.com./", "", false},
		{"https://github.com/?x=1", "", false},
		{"github.com", "", false},
	}
	for _, tt := range tests {
		h, err := ParseHost(tt.base)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseHost(%q) = %v, want an error", tt.base, h)
			}
			continue
		}
		if err != nil || h.String() != tt.want || h.Secure() != tt.secure {
			t.Errorf("ParseHost(%q) = %v (secure %v), %v; want %s (secure %v)", tt.base, h, h.Secure(), err, tt.want, tt.secure)
		}
	}
}

// TestFetchOffHostSendsNothing: a Source refuses a clone URL off its host before asking for
// credentials, for fetches and pushes alike.
func TestFetchOffHostSendsNothing(t *testing.T) {
	repo, sha := newRepo(t, map[string]string{"k8s/a.yaml": "v1\n"})
	asked := 0
	req := request(repo, "refs/heads/main", "")
	req.CloneURL = strings.Replace(req.CloneURL, "127.0.0.1", "localhost", 1)
	inner := req.Token
	req.Token = func(ctx context.Context) (string, string, error) { asked++; return inner(ctx) }
	_, err := New(t.TempDir(), gitHost).Fetch(ctxFor(t), req)
	var he *HostError
	if !errors.As(err, &he) {
		t.Fatalf("fetch err = %v, want *HostError", err)
	}
	_, err = New(t.TempDir(), gitHost).Push(ctxFor(t), PushRequest{Repo: repo, CloneURL: req.CloneURL, Base: sha, Branch: "x", Files: map[string][]byte{"a": []byte("b")}, Token: req.Token})
	if !errors.As(err, &he) {
		t.Fatalf("push err = %v, want *HostError", err)
	}
	if asked != 0 {
		t.Fatalf("the token was asked for %d times", asked)
	}
}
