package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/rigel-gitops/rigel/config"
)

// The account endpoints show and change which GitHub identity Rigel acts as. They never
// answer or log a private key, a token or the webhook secret: only which keys are set.

const (
	exampleToken = `{"token": "ghp_…", "login": "rigel-ops"}`
	exampleApp   = `{"appID": 123456, "privateKey": "the app's .pem file, its newlines as \n"}`
)

// identityJSON is a GitHub identity, without its secrets.
type identityJSON struct {
	Mode   string `json:"mode"` // "app" or "token"
	AppID  int64  `json:"appID,omitempty"`
	Login  string `json:"login,omitempty"`
	APIURL string `json:"apiURL,omitempty"`
}

// secretJSON says what the Secret helmsman-github holds, by key name only.
type secretJSON struct {
	Name   string   `json:"name"`
	Exists bool     `json:"exists"`
	Keys   []string `json:"keys"` // the keys set, never their values
	identityJSON
}

type accountJSON struct {
	identityJSON               // as Rigel runs now
	Secret          secretJSON `json:"secret"`          // what a restart would use
	RestartRequired bool       `json:"restartRequired"` // the Secret holds other credentials than those in use
	Note            string     `json:"note,omitempty"`
}

// GET /api/git/account.
func (s *server) getAccount(c echo.Context) error {
	data, exists, err := s.readCredentials(c.Request().Context())
	if err != nil {
		return err
	}
	return s.answerAccount(c, data, exists, "")
}

// answerAccount answers the account with data in the Secret; note comes first in its note.
func (s *server) answerAccount(c echo.Context, data map[string][]byte, exists bool, note string) error {
	out, err := s.account(data, exists)
	if err != nil {
		return err
	}
	out.Note = strings.TrimSpace(note + " " + out.Note)
	return c.JSON(http.StatusOK, out)
}

// account describes the running identity and the Secret's.
func (s *server) account(data map[string][]byte, exists bool) (accountJSON, error) {
	run := s.Settings
	out := accountJSON{
		identityJSON: identityJSON{Mode: run.CredentialMode(), AppID: run.AppID, Login: s.BotLogin, APIURL: run.GitHubAPIURL},
		Secret:       secretJSON{Name: config.CredentialSecret, Exists: exists, Keys: []string{}},
	}
	for k, v := range data {
		if len(v) > 0 {
			out.Secret.Keys = append(out.Secret.Keys, k)
		}
	}
	sort.Strings(out.Secret.Keys)
	if !exists {
		return out, nil
	}
	sc, err := config.SecretCredentials(run.Namespace, data)
	if err != nil {
		return out, fail(http.StatusConflict, "the Secret %s is broken: %v. Fix it with POST /api/git/account or kubectl.", config.CredentialSecret, err)
	}
	out.Secret.Mode, out.Secret.AppID, out.Secret.Login = sc.CredentialMode(), sc.AppID, sc.TokenLogin
	out.RestartRequired = sc.CredentialMode() != run.CredentialMode() || sc.AppID != run.AppID || !bytes.Equal(sc.PrivateKey, run.PrivateKey) ||
		sc.Token != run.Token || sc.TokenLogin != run.TokenLogin
	if out.RestartRequired {
		out.Note = fmt.Sprintf("Rigel reads %s at start: restart it to act with what the Secret holds, e.g. `kubectl -n %s rollout restart deployment/rigel`. Credentials set with RIGEL_* variables or the config file take precedence over the Secret.",
			config.CredentialSecret, run.Namespace)
	}
	return out, nil
}

type accountRequest struct {
	Token      string `json:"token"`
	Login      string `json:"login"`
	AppID      int64  `json:"appID"`
	PrivateKey string `json:"privateKey"`
}

var (
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	tokenPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`) // printable ASCII, no spaces
)

// POST /api/git/account: store a personal access token and its login, or a GitHub App's id and
// private key, in the Secret, once GitHub accepts them.
func (s *server) setAccount(c echo.Context) error {
	ctx := c.Request().Context()
	var req accountRequest
	if err := decode(c, &req, exampleToken+" or "+exampleApp); err != nil {
		return err
	}
	token := req.Token != "" || req.Login != ""
	app := req.AppID != 0 || req.PrivateKey != ""
	var set map[string][]byte
	var err error
	switch {
	case token && app:
		return fail(http.StatusBadRequest, "give either a token (and its login) or an app id and private key, not both. For example %s or %s", exampleToken, exampleApp)
	case token:
		set, err = s.checkToken(ctx, req)
	case app:
		set, err = s.checkApp(ctx, req)
	default:
		return fail(http.StatusBadRequest, "give the credentials Rigel should act with: %s or %s", exampleToken, exampleApp)
	}
	if err != nil {
		return err
	}
	data, exists, err := s.writeCredentials(ctx, func(data map[string][]byte) error {
		if token {
			if sc, err := config.SecretCredentials(s.Settings.Namespace, data); err == nil && sc.CredentialMode() == config.ModeApp {
				return fail(http.StatusConflict, "the Secret %[1]s holds a GitHub App's id and private key, and an app takes precedence over a token: the token would not be used. Nothing was changed. To act as %[2]s instead, remove the app's keys first: `kubectl -n %[3]s patch secret %[1]s --type=json -p '[{\"op\":\"remove\",\"path\":\"/data/%[4]s\"},{\"op\":\"remove\",\"path\":\"/data/%[5]s\"}]'`.",
					config.CredentialSecret, string(set[config.SecretKeyLogin]), s.Settings.Namespace, config.SecretKeyAppID, config.SecretKeyPrivateKey)
			}
		}
		for k, v := range set {
			data[k] = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Bool("token", token).Str("login", string(set[config.SecretKeyLogin])).Int64("appID", req.AppID).Msg("github credentials stored")
	return s.answerAccount(c, data, exists, "")
}

// checkToken checks a token with GitHub and returns the keys to set.
func (s *server) checkToken(ctx context.Context, req accountRequest) (map[string][]byte, error) {
	if !tokenPattern.MatchString(req.Token) {
		return nil, fail(http.StatusBadRequest, "the token is missing or is not a GitHub token (printable characters without spaces, at most 255). For example %s", exampleToken)
	}
	if req.Login != "" && !loginPattern.MatchString(req.Login) {
		return nil, fail(http.StatusBadRequest, "%q is not a GitHub login. Give the login of the token's user, or leave login out: GitHub says it.", req.Login)
	}
	login, err := s.GitHub.VerifyToken(ctx, req.Token)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "%v. Nothing was changed. Check the token (is it expired or revoked?).", err)
	}
	if req.Login != "" && !strings.EqualFold(login, req.Login) {
		return nil, fail(http.StatusBadRequest, "the token belongs to %s, not %s. Nothing was changed. Give login %q, or leave login out.", login, req.Login, login)
	}
	return map[string][]byte{config.SecretKeyToken: []byte(req.Token), config.SecretKeyLogin: []byte(login)}, nil
}

// checkApp checks an app's id and key with GitHub and returns the keys to set.
func (s *server) checkApp(ctx context.Context, req accountRequest) (map[string][]byte, error) {
	if req.AppID <= 0 {
		return nil, fail(http.StatusBadRequest, "the app id is missing or not positive: give the App ID of the app's settings page. For example %s", exampleApp)
	}
	key := []byte(req.PrivateKey)
	if err := config.CheckPrivateKey(key); err != nil {
		return nil, fail(http.StatusBadRequest, "the private key %v. Nothing was changed.", err)
	}
	if _, err := s.GitHub.VerifyApp(ctx, req.AppID, key); err != nil {
		return nil, fail(http.StatusBadRequest, "%v. Nothing was changed. Check the app id and that the key is one of that app's.", err)
	}
	return map[string][]byte{config.SecretKeyAppID: []byte(strconv.FormatInt(req.AppID, 10)), config.SecretKeyPrivateKey: key}, nil
}

// DELETE /api/git/account: remove the token and its login from the Secret, so Rigel acts as
// the app after its next start.
func (s *server) deleteAccount(c echo.Context) error {
	ctx := c.Request().Context()
	data, exists, err := s.readCredentials(ctx)
	if err != nil {
		return err
	}
	if !hasToken(data) {
		return s.answerAccount(c, data, exists, "The Secret holds no token: nothing was changed.")
	}
	data, exists, err = s.writeCredentials(ctx, func(data map[string][]byte) error {
		rest := map[string][]byte{}
		for k, v := range data {
			if k != config.SecretKeyToken && k != config.SecretKeyLogin {
				rest[k] = v
			}
		}
		if sc, err := config.SecretCredentials(s.Settings.Namespace, rest); err != nil || sc.CredentialMode() != config.ModeApp {
			return fail(http.StatusConflict, "the Secret %s holds no GitHub App credentials: without the token Rigel would have no GitHub identity and would not start. Nothing was changed. Store an app first: POST /api/git/account with %s.", config.CredentialSecret, exampleApp)
		}
		delete(data, config.SecretKeyToken)
		delete(data, config.SecretKeyLogin)
		return nil
	})
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Msg("github token removed")
	return s.answerAccount(c, data, exists, "")
}

func hasToken(data map[string][]byte) bool {
	return len(data[config.SecretKeyToken]) > 0 || len(data[config.SecretKeyLogin]) > 0
}

// readCredentials reads the Secret's data; exists is false when there is no Secret.
func (s *server) readCredentials(ctx context.Context) (data map[string][]byte, exists bool, err error) {
	sec, err := s.Kube.CoreV1().Secrets(s.Settings.Namespace).Get(ctx, config.CredentialSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return map[string][]byte{}, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("failed to read the Secret %s/%s: %w", s.Settings.Namespace, config.CredentialSecret, err)
	}
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	return sec.Data, true, nil
}

// writeCredentials changes the Secret's data with change and writes it back with its
// resourceVersion (again on a conflict), creating the Secret when there is none. An error of
// change aborts with nothing written. It returns the data as written.
func (s *server) writeCredentials(ctx context.Context, change func(map[string][]byte) error) (map[string][]byte, bool, error) {
	secrets := s.Kube.CoreV1().Secrets(s.Settings.Namespace)
	var out map[string][]byte
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sec, err := secrets.Get(ctx, config.CredentialSecret, metav1.GetOptions{})
		missing := apierrors.IsNotFound(err)
		if err != nil && !missing {
			return fmt.Errorf("failed to read the Secret %s/%s: %w", s.Settings.Namespace, config.CredentialSecret, err)
		}
		if missing {
			sec = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: config.CredentialSecret, Namespace: s.Settings.Namespace}, Type: corev1.SecretTypeOpaque}
		}
		data := map[string][]byte{}
		for k, v := range sec.Data {
			data[k] = v
		}
		if err := change(data); err != nil {
			return err
		}
		sec.Data = data
		if missing {
			_, err = secrets.Create(ctx, sec, metav1.CreateOptions{FieldManager: "rigel"})
		} else {
			_, err = secrets.Update(ctx, sec, metav1.UpdateOptions{FieldManager: "rigel"})
		}
		if apierrors.IsForbidden(err) {
			return fail(http.StatusForbidden, "Rigel may not write the Secret %s/%s: its Role needs `update` on it (deploy/base/rbac-namespace.yaml); it cannot create it, so create it first (docs/install.md).", s.Settings.Namespace, config.CredentialSecret)
		}
		if err != nil {
			return err // a conflict is retried
		}
		out = data
		return nil
	})
	if err != nil {
		if _, ok := err.(*apiError); ok {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("failed to write the Secret %s/%s: %w", s.Settings.Namespace, config.CredentialSecret, err)
	}
	return out, true, nil
}
