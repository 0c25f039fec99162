package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// TestAccountRefusal: each refusal of the account operations answers with its status and
// the API's words (those the endpoints answered before the operations moved to ops); a
// failure passes as it is (500).
func TestAccountRefusal(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"a malformed token", &ops.BadCredentials{Why: ops.TokenMalformed}, 400,
			"the token is missing or is not a GitHub token (printable characters without spaces, at most 255). For example " + exampleToken},
		{"a malformed login", &ops.BadCredentials{Why: ops.LoginMalformed, Login: "-x"}, 400,
			`"-x" is not a GitHub login. Give the login of the token's user, or leave login out: GitHub says it.`},
		{"a token GitHub refuses", &ops.BadCredentials{Why: ops.TokenRefused, Cause: errors.New("GitHub refuses the token (401)")}, 400,
			"GitHub refuses the token (401). Nothing was changed. Check the token (is it expired or revoked?)."},
		{"another's token", &ops.BadCredentials{Why: ops.TokenOfOther, Login: "bob", Owner: "alice"}, 400,
			`the token belongs to alice, not bob. Nothing was changed. Give login "alice", or leave login out.`},
		{"no app id", &ops.BadCredentials{Why: ops.AppIDMissing}, 400,
			"the app id is missing or not positive: give the App ID of the app's settings page. For example " + exampleApp},
		{"a key that is not PEM", &ops.BadCredentials{Why: ops.KeyMalformed, Cause: errors.New("is not PEM")}, 400,
			"the private key is not PEM. Nothing was changed."},
		{"an app GitHub refuses", &ops.BadCredentials{Why: ops.AppRefused, Cause: errors.New("GitHub refuses app 7")}, 400,
			"GitHub refuses app 7. Nothing was changed. Check the app id and that the key is one of that app's."},
		{"a token an app would shadow", &ops.TokenUnused{Secret: "helmsman-github", Namespace: "rigel", Login: "ops"}, 409,
			"the Secret helmsman-github holds a GitHub App's id and private key, and an app takes precedence over a token: the token would not be used. Nothing was changed. To act as ops instead, remove the app's keys first: `kubectl -n rigel patch secret helmsman-github --type=json -p '[{\"op\":\"remove\",\"path\":\"/data/app-id\"},{\"op\":\"remove\",\"path\":\"/data/private-key\"}]'`."},
		{"the last identity", &ops.LastIdentity{Secret: "helmsman-github", Namespace: "rigel"}, 409,
			"the Secret helmsman-github holds no GitHub App credentials: without the token Rigel would have no GitHub identity and would not start. Nothing was changed. Store an app first: POST /api/git/account with " + exampleApp + "."},
		{"a broken Secret", &ops.CredentialsBroken{Secret: "helmsman-github", Namespace: "rigel", Cause: errors.New("key app-id of Secret rigel/helmsman-github is not a number")}, 409,
			"the Secret helmsman-github is broken: key app-id of Secret rigel/helmsman-github is not a number. Fix it with POST /api/git/account or kubectl."},
		{"a Secret Rigel may not write", &ops.CredentialsReadOnly{Secret: "helmsman-github", Namespace: "rigel", Cause: errors.New("forbidden")}, 403,
			"Rigel may not write the Secret rigel/helmsman-github: its Role needs `update` on it (deploy/base/rbac-namespace.yaml); it cannot create it, so create it first (docs/install.md)."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ae *apiError
			if err := accountRefusal(tc.err); !errors.As(err, &ae) || ae.status != tc.status || ae.msg != tc.msg {
				t.Fatalf("accountRefusal = %#v\nwant %d %q", err, tc.status, tc.msg)
			}
		})
	}
	failure := errors.New("failed to read the Secret rigel/helmsman-github: connection refused")
	if err := accountRefusal(failure); err != failure {
		t.Fatalf("a failure became %v", err)
	}
}

// fakeSecret is the Secret rigel-api.
type fakeSecret struct {
	data   map[string][]byte
	exists bool
	err    error
	reads  int
}

func (f *fakeSecret) Get(context.Context) (map[string][]byte, bool, error) {
	f.reads++
	return f.data, f.exists, f.err
}

// TestAPITokenFromSecret: without RIGEL_API_TOKEN the API's token is the key api-token of the
// Secret the wiring gives; without one the API is off (403), a Secret that cannot be read is
// 503 (and read again next time), a token too short keeps it off.
func TestAPITokenFromSecret(t *testing.T) {
	const good = "a-token-long-enough-0123"
	tests := []struct {
		name    string
		secret  SecretReader
		bearer  string
		status  int
		says    string
		rereads bool // a failed read is not kept
	}{
		{"no Secret reader", nil, good, 403, "the HTTP API is off: no token is configured. Turn it on", false},
		{"no Secret", &fakeSecret{}, good, 403, "no token is configured (there is no Secret rigel-api)", false},
		{"no key", &fakeSecret{exists: true, data: map[string][]byte{}}, good, 403, "the Secret rigel-api has no key api-token", false},
		{"too short", &fakeSecret{exists: true, data: map[string][]byte{"api-token": []byte("short")}}, "short", 403, "shorter than 16 characters", false},
		{"unreadable", &fakeSecret{err: errors.New("connection refused")}, good, 503,
			"Rigel could not read its API token from the Secret rigel/rigel-api: connection refused. Try again", true},
		{"another token", &fakeSecret{exists: true, data: map[string][]byte{"api-token": []byte(good + "\n")}}, good + "x", 401, "the API token is not valid", false},
		{"the Secret's token, trimmed", &fakeSecret{exists: true, data: map[string][]byte{"api-token": []byte(good + "\n")}}, good, 200, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := echo.New()
			Mount(e, Deps{Settings: &config.Settings{Namespace: "rigel"}, APISecret: tc.secret})
			ok := func(c echo.Context) error { return c.String(http.StatusOK, "in") }
			e.GET(Prefix+"/probe", ok, (&server{token: newTokenSource("", tc.secret, "rigel")}).authenticate)
			for i := 0; i < 2; i++ {
				req := httptest.NewRequest(http.MethodGet, Prefix+"/probe", nil)
				req.Header.Set("Authorization", "Bearer "+tc.bearer)
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.says) || strings.Contains(rec.Body.String(), good) {
					t.Fatalf("answered %d %s, want %d saying %q", rec.Code, rec.Body.String(), tc.status, tc.says)
				}
			}
			if f, _ := tc.secret.(*fakeSecret); f != nil && (f.reads == 2) != tc.rereads {
				t.Fatalf("read the Secret %d times for two requests (a failed read is read again: %v)", f.reads, tc.rereads)
			}
		})
	}
}
