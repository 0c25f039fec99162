package ops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// The account operations show and change which GitHub identity Rigel acts as: the
// credentials in the Secret helmsman-github (s.Credentials), checked with GitHub
// (s.Verifier) before they are stored. They never return or log a private key, a token or
// the webhook secret: only which keys are set.

// Identity is a GitHub identity, without its secrets.
type Identity struct {
	Mode   string // config.ModeApp, config.ModeToken, or "" for none
	AppID  int64
	Login  string
	APIURL string
}

// Account is which identity Rigel acts as now, and what its Secret holds.
type Account struct {
	Running   Identity // as Rigel runs now
	Secret    string   // the Secret's name: helmsman-github
	Namespace string   // where it lives (Rigel's namespace)
	Exists    bool     // the Secret exists
	Keys      []string // the keys set in it, sorted; never their values
	Stored    Identity // what a restart would use (Mode "" when the Secret holds none)
	// RestartRequired: the Secret holds other credentials than those in use.
	RestartRequired bool
}

var (
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	tokenPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`) // printable ASCII, no spaces
)

// Account reads what the Secret holds and compares it with what Rigel runs with. A Secret
// whose keys cannot be read as credentials is a *CredentialsBroken.
func (s *Service) Account(ctx context.Context) (*Account, error) {
	if err := s.accountReady(); err != nil {
		return nil, err
	}
	data, exists, err := s.readCredentials(ctx)
	if err != nil {
		return nil, err
	}
	return s.account(data, exists)
}

// SetToken stores a personal access token and its login, once GitHub accepts the token;
// login "" is the one GitHub says. It refuses with *BadCredentials (the token or login
// malformed, the token refused or another's) and *TokenUnused (the Secret holds an app).
func (s *Service) SetToken(ctx context.Context, token, login string) (*Account, error) {
	if err := s.accountReady(); err != nil {
		return nil, err
	}
	if !tokenPattern.MatchString(token) {
		return nil, &BadCredentials{Why: TokenMalformed}
	}
	if login != "" && !loginPattern.MatchString(login) {
		return nil, &BadCredentials{Why: LoginMalformed, Login: login}
	}
	owner, err := s.Verifier.VerifyToken(ctx, token)
	if err != nil {
		return nil, &BadCredentials{Why: TokenRefused, Cause: err}
	}
	if login != "" && !strings.EqualFold(owner, login) {
		return nil, &BadCredentials{Why: TokenOfOther, Login: login, Owner: owner}
	}
	set := map[string][]byte{config.SecretKeyToken: []byte(token), config.SecretKeyLogin: []byte(owner)}
	return s.store(ctx, set, true, 0)
}

// SetApp stores a GitHub App's id and private key, once GitHub authenticates the app with
// them. It refuses with *BadCredentials (no app id, a key that is not an RSA key in PEM, or
// one GitHub does not take for the app).
func (s *Service) SetApp(ctx context.Context, appID int64, key []byte) (*Account, error) {
	if err := s.accountReady(); err != nil {
		return nil, err
	}
	if _, err := s.checkApp(ctx, appID, key); err != nil {
		return nil, err
	}
	set := map[string][]byte{config.SecretKeyAppID: []byte(strconv.FormatInt(appID, 10)), config.SecretKeyPrivateKey: key}
	return s.store(ctx, set, false, appID)
}

// checkApp is what an app's id and key must pass to be stored (SetApp, and the app /setup
// registers): an id, an RSA key in PEM, and GitHub authenticating the app with them. It
// returns the app's bot login, as GitHub says; its refusals are *BadCredentials.
func (s *Service) checkApp(ctx context.Context, appID int64, key []byte) (string, error) {
	if appID <= 0 {
		return "", &BadCredentials{Why: AppIDMissing}
	}
	if err := config.CheckPrivateKey(key); err != nil {
		return "", &BadCredentials{Why: KeyMalformed, Cause: err}
	}
	login, err := s.Verifier.VerifyApp(ctx, appID, key)
	if err != nil {
		return "", &BadCredentials{Why: AppRefused, Cause: err}
	}
	return login, nil
}

// store writes the keys set into the Secret; a token is refused when the Secret holds an app.
func (s *Service) store(ctx context.Context, set map[string][]byte, token bool, appID int64) (*Account, error) {
	ns := s.credentialsNamespace()
	data, err := s.Credentials.Update(ctx, func(data map[string][]byte) error {
		if token {
			if sc, err := config.SecretCredentials(ns, data); err == nil && sc.CredentialMode() == config.ModeApp {
				return &TokenUnused{Secret: config.CredentialSecret, Namespace: ns, Login: string(set[config.SecretKeyLogin])}
			}
		}
		for k, v := range set {
			data[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, s.writeFailed(err)
	}
	zerolog.Ctx(ctx).Info().Bool("token", token).Str("login", string(set[config.SecretKeyLogin])).Int64("appID", appID).Msg("github credentials stored")
	return s.account(data, true)
}

// DeleteToken removes the token and its login from the Secret, so that Rigel acts as the app
// after its next start. removed is false when the Secret holds no token (nothing changed). It
// refuses with *LastIdentity when the Secret holds no app to act as instead.
func (s *Service) DeleteToken(ctx context.Context) (_ *Account, removed bool, _ error) {
	if err := s.accountReady(); err != nil {
		return nil, false, err
	}
	data, exists, err := s.readCredentials(ctx)
	if err != nil {
		return nil, false, err
	}
	if !hasToken(data) {
		acc, err := s.account(data, exists)
		return acc, false, err
	}
	ns := s.credentialsNamespace()
	data, err = s.Credentials.Update(ctx, func(data map[string][]byte) error {
		rest := map[string][]byte{}
		for k, v := range data {
			if k != config.SecretKeyToken && k != config.SecretKeyLogin {
				rest[k] = v
			}
		}
		if sc, err := config.SecretCredentials(ns, rest); err != nil || sc.CredentialMode() != config.ModeApp {
			return &LastIdentity{Secret: config.CredentialSecret, Namespace: ns}
		}
		delete(data, config.SecretKeyToken)
		delete(data, config.SecretKeyLogin)
		return nil
	})
	if err != nil {
		return nil, false, s.writeFailed(err)
	}
	zerolog.Ctx(ctx).Info().Msg("github token removed")
	acc, err := s.account(data, true)
	return acc, true, err
}

// errNoAccountStore: the wiring gave the service no Secret store or no GitHub to verify with.
var errNoAccountStore = errors.New("Rigel has no store for its GitHub credentials, or no GitHub to check them with")

// accountReady fails when the account operations lack what they work with.
func (s *Service) accountReady() error {
	if s.Credentials == nil || s.Verifier == nil {
		return errNoAccountStore
	}
	return nil
}

// readCredentials reads the Secret's data; exists is false when there is no Secret.
func (s *Service) readCredentials(ctx context.Context) (map[string][]byte, bool, error) {
	data, exists, err := s.Credentials.Get(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("failed to read the Secret %s/%s: %w", s.credentialsNamespace(), config.CredentialSecret, err)
	}
	return data, exists, nil
}

func hasToken(data map[string][]byte) bool {
	return len(data[config.SecretKeyToken]) > 0 || len(data[config.SecretKeyLogin]) > 0
}

// writeFailed turns a write the cluster forbids into a *CredentialsReadOnly; the refusals of
// the change and other failures pass as they are.
func (s *Service) writeFailed(err error) error {
	var fe *config.SecretForbiddenError
	if errors.As(err, &fe) {
		return &CredentialsReadOnly{Secret: config.CredentialSecret, Namespace: s.credentialsNamespace(), Cause: fe.Err}
	}
	return err
}

// account describes the running identity and the Secret's data.
func (s *Service) account(data map[string][]byte, exists bool) (*Account, error) {
	run := s.running()
	out := &Account{
		Running:   Identity{Mode: run.CredentialMode(), AppID: run.AppID, Login: s.BotLogin, APIURL: run.GitHubAPIURL},
		Secret:    config.CredentialSecret,
		Namespace: run.Namespace,
		Exists:    exists,
		Keys:      []string{},
	}
	for k, v := range data {
		if len(v) > 0 {
			out.Keys = append(out.Keys, k)
		}
	}
	sort.Strings(out.Keys)
	if !exists {
		return out, nil
	}
	sc, err := config.SecretCredentials(run.Namespace, data)
	if err != nil {
		return out, &CredentialsBroken{Secret: config.CredentialSecret, Namespace: run.Namespace, Cause: err}
	}
	out.Stored = Identity{Mode: sc.CredentialMode(), AppID: sc.AppID, Login: sc.TokenLogin}
	out.RestartRequired = sc.CredentialMode() != run.CredentialMode() || sc.AppID != run.AppID || !bytes.Equal(sc.PrivateKey, run.PrivateKey) ||
		sc.Token != run.Token || sc.TokenLogin != run.TokenLogin
	return out, nil
}

// running is the settings Rigel runs with (none set: empty ones).
func (s *Service) running() *config.Settings {
	if s.Running == nil {
		return &config.Settings{}
	}
	return s.Running
}

func (s *Service) credentialsNamespace() string { return s.running().Namespace }
