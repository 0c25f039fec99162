package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// The account endpoints show and change which GitHub identity Rigel acts as, with the
// service's account operations (ops/account.go). They never answer or log a private key, a
// token or the webhook secret: only which keys are set.

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
	acc, err := s.Ops.Account(c.Request().Context())
	return s.answerAccount(c, acc, err, "")
}

// answerAccount answers the account, or the refusal err; note comes first in its note.
func (s *server) answerAccount(c echo.Context, acc *ops.Account, err error, note string) error {
	if err != nil {
		return accountRefusal(err)
	}
	out := accountJSON{
		identityJSON: identityJSON(acc.Running),
		Secret: secretJSON{Name: acc.Secret, Exists: acc.Exists, Keys: acc.Keys,
			identityJSON: identityJSON{Mode: acc.Stored.Mode, AppID: acc.Stored.AppID, Login: acc.Stored.Login}},
		RestartRequired: acc.RestartRequired,
	}
	if out.Secret.Keys == nil {
		out.Secret.Keys = []string{}
	}
	if acc.RestartRequired {
		note += " " + fmt.Sprintf("Rigel reads %s at start: restart it to act with what the Secret holds, e.g. `kubectl -n %s rollout restart deployment/rigel`. Credentials set with RIGEL_* variables or the config file take precedence over the Secret.",
			acc.Secret, acc.Namespace)
	}
	out.Note = strings.TrimSpace(note)
	return c.JSON(http.StatusOK, out)
}

type accountRequest struct {
	Token      string `json:"token"`
	Login      string `json:"login"`
	AppID      int64  `json:"appID"`
	PrivateKey string `json:"privateKey"`
}

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
	var acc *ops.Account
	var err error
	switch {
	case token && app:
		return fail(http.StatusBadRequest, "give either a token (and its login) or an app id and private key, not both. For example %s or %s", exampleToken, exampleApp)
	case token:
		acc, err = s.Ops.SetToken(ctx, req.Token, req.Login)
	case app:
		acc, err = s.Ops.SetApp(ctx, req.AppID, []byte(req.PrivateKey))
	default:
		return fail(http.StatusBadRequest, "give the credentials Rigel should act with: %s or %s", exampleToken, exampleApp)
	}
	return s.answerAccount(c, acc, err, "")
}

// DELETE /api/git/account: remove the token and its login from the Secret, so Rigel acts as
// the app after its next start.
func (s *server) deleteAccount(c echo.Context) error {
	acc, removed, err := s.Ops.DeleteToken(c.Request().Context())
	note := ""
	if !removed {
		note = "The Secret holds no token: nothing was changed."
	}
	return s.answerAccount(c, acc, err, note)
}

// accountRefusal words the refusals of the account operations in the API's terms, with their
// status; other errors pass as they are.
func accountRefusal(err error) error {
	var (
		bad      *ops.BadCredentials
		unused   *ops.TokenUnused
		last     *ops.LastIdentity
		broken   *ops.CredentialsBroken
		readOnly *ops.CredentialsReadOnly
	)
	switch {
	case errors.As(err, &bad):
		return fail(http.StatusBadRequest, "%s", badCredentials(bad))
	case errors.As(err, &unused):
		return fail(http.StatusConflict, "the Secret %[1]s holds a GitHub App's id and private key, and an app takes precedence over a token: the token would not be used. Nothing was changed. To act as %[2]s instead, remove the app's keys first: `kubectl -n %[3]s patch secret %[1]s --type=json -p '[{\"op\":\"remove\",\"path\":\"/data/%[4]s\"},{\"op\":\"remove\",\"path\":\"/data/%[5]s\"}]'`.",
			unused.Secret, unused.Login, unused.Namespace, config.SecretKeyAppID, config.SecretKeyPrivateKey)
	case errors.As(err, &last):
		return fail(http.StatusConflict, "the Secret %s holds no GitHub App credentials: without the token Rigel would have no GitHub identity and would not start. Nothing was changed. Store an app first: POST /api/git/account with %s.", last.Secret, exampleApp)
	case errors.As(err, &broken):
		return fail(http.StatusConflict, "the Secret %s is broken: %v. Fix it with POST /api/git/account or kubectl.", broken.Secret, broken.Cause)
	case errors.As(err, &readOnly):
		return fail(http.StatusForbidden, "Rigel may not write the Secret %s/%s: its Role needs `update` on it (deploy/base/rbac-namespace.yaml); it cannot create it, so create it first (docs/install.md).", readOnly.Namespace, readOnly.Secret)
	}
	return err
}

// badCredentials words credentials GitHub or Rigel does not accept.
func badCredentials(e *ops.BadCredentials) string {
	switch e.Why {
	case ops.TokenMalformed:
		return "the token is missing or is not a GitHub token (printable characters without spaces, at most 255). For example " + exampleToken
	case ops.LoginMalformed:
		return fmt.Sprintf("%q is not a GitHub login. Give the login of the token's user, or leave login out: GitHub says it.", e.Login)
	case ops.TokenRefused:
		return fmt.Sprintf("%v. Nothing was changed. Check the token (is it expired or revoked?).", e.Cause)
	case ops.TokenOfOther:
		return fmt.Sprintf("the token belongs to %s, not %s. Nothing was changed. Give login %q, or leave login out.", e.Owner, e.Login, e.Owner)
	case ops.AppIDMissing:
		return "the app id is missing or not positive: give the App ID of the app's settings page. For example " + exampleApp
	case ops.KeyMalformed:
		return fmt.Sprintf("the private key %v. Nothing was changed.", e.Cause)
	case ops.AppRefused:
		return fmt.Sprintf("%v. Nothing was changed. Check the app id and that the key is one of that app's.", e.Cause)
	}
	return e.Error()
}
