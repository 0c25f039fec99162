package ops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// TestAccountOperations: credentials are stored only once well-formed and accepted by GitHub,
// never so that Rigel would be left without a usable identity, and the account answers key
// names only. Every refusal changes nothing.
func TestAccountOperations(t *testing.T) {
	keyA, keyB := testKeys()[0], testKeys()[1]
	asApp := &config.Settings{Namespace: "rigel", AppID: 42, PrivateKey: keyA, GitHubAPIURL: "https://api.github.test/"}
	asToken := &config.Settings{Namespace: "rigel", Token: "ghp_goodToken123", TokenLogin: "rigel-ops", GitHubAPIURL: "https://api.github.test/"}
	app := map[string][]byte{config.SecretKeyAppID: []byte("42"), config.SecretKeyPrivateKey: keyA, config.SecretKeyWebhookSecret: []byte("hook-secret-0123456789")}
	token := map[string][]byte{config.SecretKeyToken: []byte("ghp_goodToken123"), config.SecretKeyLogin: []byte("rigel-ops"), config.SecretKeyWebhookSecret: []byte("hook-secret-0123456789")}
	both := copyData(app)
	both[config.SecretKeyToken], both[config.SecretKeyLogin] = token[config.SecretKeyToken], token[config.SecretKeyLogin]

	type op func(context.Context, *Service) (*Account, error)
	getAccount := func(ctx context.Context, s *Service) (*Account, error) { return s.Account(ctx) }
	setToken := func(tok, login string) op {
		return func(ctx context.Context, s *Service) (*Account, error) { return s.SetToken(ctx, tok, login) }
	}
	setApp := func(id int64, key []byte) op {
		return func(ctx context.Context, s *Service) (*Account, error) { return s.SetApp(ctx, id, key) }
	}
	deleteToken := func(wantRemoved bool) op {
		return func(ctx context.Context, s *Service) (*Account, error) {
			acc, removed, err := s.DeleteToken(ctx)
			if err == nil && removed != wantRemoved {
				return nil, fmt.Errorf("removed = %v, want %v", removed, wantRemoved)
			}
			return acc, err
		}
	}
	running := Identity{Mode: config.ModeApp, AppID: 42, Login: "rigel[bot]", APIURL: "https://api.github.test/"}
	runningToken := Identity{Mode: config.ModeToken, Login: "rigel[bot]", APIURL: "https://api.github.test/"}
	account := func(run Identity, exists bool, stored Identity, restart bool, keys ...string) *Account {
		if keys == nil {
			keys = []string{}
		}
		return &Account{Running: run, Secret: config.CredentialSecret, Namespace: "rigel", Exists: exists, Keys: keys, Stored: stored, RestartRequired: restart}
	}
	storedApp := Identity{Mode: config.ModeApp, AppID: 42}
	storedToken := Identity{Mode: config.ModeToken, Login: "rigel-ops"}
	broken := map[string][]byte{config.SecretKeyAppID: []byte("forty-two")}

	tests := []struct {
		name     string
		run      *config.Settings
		secret   map[string][]byte // nil: no Secret
		forbid   bool              // the cluster forbids writing it
		op       op
		want     *Account // on success
		refusal  Refusal  // the refusal, its Cause left out
		cause    string   // what its Cause says
		after    map[string][]byte
		verified bool // GitHub was asked
	}{
		// reading
		{name: "an app without a Secret", run: asApp, op: getAccount, want: account(running, false, Identity{}, false)},
		{name: "the Secret holds what Rigel runs with", run: asApp, secret: app, op: getAccount,
			want: account(running, true, storedApp, false, "app-id", "private-key", "webhook-secret")},
		{name: "the Secret holds another app: a restart is required", run: &config.Settings{Namespace: "rigel", AppID: 42, PrivateKey: keyB}, secret: app, op: getAccount,
			want: account(Identity{Mode: config.ModeApp, AppID: 42, Login: "rigel[bot]"}, true, storedApp, true, "app-id", "private-key", "webhook-secret")},
		{name: "a broken Secret", run: asApp, secret: broken, op: getAccount,
			refusal: &CredentialsBroken{Secret: config.CredentialSecret, Namespace: "rigel"}, cause: "not a number"},

		// a token
		{name: "a token with spaces", run: asToken, secret: app, op: setToken("ghp_ x", ""), refusal: &BadCredentials{Why: TokenMalformed}},
		{name: "a login without a token", run: asToken, secret: app, op: setToken("", "rigel-ops"), refusal: &BadCredentials{Why: TokenMalformed}},
		{name: "a login that is not a login", run: asToken, secret: token, op: setToken("ghp_goodToken123", "-x/y"), refusal: &BadCredentials{Why: LoginMalformed, Login: "-x/y"}},
		{name: "a token GitHub refuses", run: asToken, secret: token, op: setToken("ghp_revokedToken0", ""),
			refusal: &BadCredentials{Why: TokenRefused}, cause: "GitHub refuses the token", verified: true},
		{name: "a token of another login", run: asToken, secret: token, op: setToken("ghp_goodToken123", "someone-else"),
			refusal: &BadCredentials{Why: TokenOfOther, Login: "someone-else", Owner: "rigel-ops"}, verified: true},
		{name: "a token while the Secret holds an app", run: asToken, secret: app, op: setToken("ghp_goodToken123", ""),
			refusal: &TokenUnused{Secret: config.CredentialSecret, Namespace: "rigel", Login: "rigel-ops"}, verified: true},
		{name: "a token stored, its login from GitHub", run: asToken, secret: map[string][]byte{config.SecretKeyWebhookSecret: []byte("hook-secret-0123456789")},
			op: setToken("ghp_goodToken123", ""), want: account(runningToken, true, storedToken, false, "login", "token", "webhook-secret"), after: token, verified: true},
		{name: "a token stored in a new Secret", run: asToken, op: setToken("ghp_goodToken123", "RIGEL-OPS"),
			want: account(runningToken, true, storedToken, false, "login", "token"), after: map[string][]byte{config.SecretKeyToken: []byte("ghp_goodToken123"), config.SecretKeyLogin: []byte("rigel-ops")}, verified: true},
		{name: "a token the cluster forbids to write", run: asToken, secret: token, forbid: true, op: setToken("ghp_goodToken123", ""),
			refusal: &CredentialsReadOnly{Secret: config.CredentialSecret, Namespace: "rigel"}, cause: "forbidden", verified: true},

		// an app
		{name: "no app id", run: asApp, secret: app, op: setApp(0, keyA), refusal: &BadCredentials{Why: AppIDMissing}},
		{name: "a key that is not PEM", run: asApp, secret: app, op: setApp(42, []byte("not a key")), refusal: &BadCredentials{Why: KeyMalformed}, cause: "is not PEM"},
		{name: "another app's key", run: asApp, secret: app, op: setApp(42, keyB), refusal: &BadCredentials{Why: AppRefused}, cause: "refuses app 42", verified: true},
		{name: "the app stored again: nothing to restart", run: asApp, secret: app, op: setApp(42, keyA),
			want: account(running, true, storedApp, false, "app-id", "private-key", "webhook-secret"), after: app, verified: true},
		{name: "a token bot stores an app: a restart is required", run: asToken, secret: token, op: setApp(42, keyA),
			want:  account(runningToken, true, Identity{Mode: config.ModeApp, AppID: 42, Login: "rigel-ops"}, true, "app-id", "login", "private-key", "token", "webhook-secret"),
			after: both, verified: true},

		// removing the token
		{name: "no token to remove", run: asApp, secret: app, op: deleteToken(false), want: account(running, true, storedApp, false, "app-id", "private-key", "webhook-secret")},
		{name: "no Secret, no token", run: asApp, op: deleteToken(false), want: account(running, false, Identity{}, false)},
		{name: "the only identity", run: asToken, secret: token, op: deleteToken(true), refusal: &LastIdentity{Secret: config.CredentialSecret, Namespace: "rigel"}},
		{name: "the token removed, the app kept", run: asToken, secret: both, op: deleteToken(true),
			want: account(runningToken, true, storedApp, true, "app-id", "private-key", "webhook-secret"), after: app},
		{name: "a removal the cluster forbids", run: asToken, secret: both, forbid: true, op: deleteToken(true),
			refusal: &CredentialsReadOnly{Secret: config.CredentialSecret, Namespace: "rigel"}, cause: "forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, creds, gh := accountService(t, tc.run, tc.secret)
			creds.forbid = tc.forbid
			acc, err := tc.op(context.Background(), svc)
			mustHoldNoCredential(t, fmt.Sprintf("%+v %v %#v", acc, err, err), keyA, keyB)
			if (gh.asked > 0) != tc.verified {
				t.Errorf("GitHub asked %d times, want asked: %v", gh.asked, tc.verified)
			}
			after := tc.after
			if after == nil {
				after = tc.secret
			}
			if !reflect.DeepEqual(copyData(creds.data), copyData(after)) {
				t.Errorf("the Secret holds keys %v, want %v", keysOf(creds.data), keysOf(after))
			}
			if tc.refusal != nil {
				got := refusalOf(err)
				if got == nil {
					t.Fatalf("got %v, %v; want the refusal %#v", acc, err, tc.refusal)
				}
				if creds.writes != 0 {
					t.Errorf("a refusal wrote the Secret")
				}
				cause := ""
				if u, ok := got.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
					cause = u.Unwrap().Error()
					clearCause(got)
				}
				if !reflect.DeepEqual(got, tc.refusal) {
					t.Fatalf("refused with %#v, want %#v", got, tc.refusal)
				}
				if !strings.Contains(cause, tc.cause) {
					t.Fatalf("the refusal's cause %q does not say %q", cause, tc.cause)
				}
				return
			}
			if err != nil {
				t.Fatalf("failed: %v", err)
			}
			if !reflect.DeepEqual(acc, tc.want) {
				t.Fatalf("account = %+v\nwant      %+v", acc, tc.want)
			}
		})
	}

	t.Run("a Secret the cluster does not answer for is a failure, not a refusal", func(t *testing.T) {
		svc, creds, _ := accountService(t, asApp, app)
		creds.getErr = errors.New("connection refused")
		_, err := svc.Account(context.Background())
		if err == nil || IsRefusal(err) || err.Error() != "failed to read the Secret rigel/helmsman-github: connection refused" {
			t.Fatalf("Account = %v", err)
		}
		if _, _, err := svc.DeleteToken(context.Background()); err == nil || IsRefusal(err) {
			t.Fatalf("DeleteToken = %v", err)
		}
	})
}

// mustHoldNoCredential fails when s quotes a token or a private key.
func mustHoldNoCredential(t *testing.T, s string, keys ...[]byte) {
	t.Helper()
	for _, secret := range []string{"ghp_goodToken123", "ghp_revokedToken0", "hook-secret-0123456789", "-----BEGIN"} {
		if strings.Contains(s, secret) {
			t.Fatalf("an answer holds a credential (%s…): %s", secret[:6], s)
		}
	}
	for _, k := range keys {
		lines := strings.Split(strings.TrimSpace(string(k)), "\n")
		if strings.Contains(s, lines[len(lines)/2]) {
			t.Fatalf("an answer holds a private key: %s", s)
		}
	}
}

func keysOf(d map[string][]byte) []string {
	var out []string
	for k := range d {
		out = append(out, k)
	}
	return out
}

// clearCause empties the Cause of an account refusal, to compare its other facts.
func clearCause(r Refusal) {
	switch e := r.(type) {
	case *BadCredentials:
		e.Cause = nil
	case *CredentialsBroken:
		e.Cause = nil
	case *CredentialsReadOnly:
		e.Cause = nil
	}
}

// TestAccountWithoutStore: a service wired without a Secret store or GitHub fails the
// account operations (a failure, not a refusal) instead of crashing.
func TestAccountWithoutStore(t *testing.T) {
	svc, _, _, _ := newTestService(t)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Account":     func() error { _, err := svc.Account(ctx); return err },
		"SetToken":    func() error { _, err := svc.SetToken(ctx, "ghp_x", ""); return err },
		"SetApp":      func() error { _, err := svc.SetApp(ctx, 1, nil); return err },
		"DeleteToken": func() error { _, _, err := svc.DeleteToken(ctx); return err },
	} {
		if err := call(); !errors.Is(err, errNoAccountStore) || IsRefusal(err) {
			t.Errorf("%s = %v, want errNoAccountStore", name, err)
		}
	}
}
