package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rigel-gitops/rigel/config"
)

// tokenTTL is how long the token read from the Secret is trusted before it is read again.
const tokenTTL = 10 * time.Second

// tokenSource gives the API's token: a fixed one from the settings, else the Secret's, read
// again after tokenTTL so a rotated or new token counts without a restart.
type tokenSource struct {
	fixed     string
	secret    SecretReader // the Secret rigel-api; nil: none
	namespace string

	mu   gosync.Mutex
	read time.Time
	sum  [32]byte // SHA-256 of the token: the token itself is not kept
	err  error    // why there is no token: *apiError (the API is off) or a read failure
}

func newTokenSource(fixed string, secret SecretReader, namespace string) *tokenSource {
	return &tokenSource{fixed: fixed, secret: secret, namespace: namespace}
}

// current returns the SHA-256 of the API token, or why there is none.
func (t *tokenSource) current(ctx context.Context) ([32]byte, error) {
	if t.fixed != "" {
		if len(t.fixed) < config.MinAPITokenLength {
			return [32]byte{}, fail(http.StatusForbidden, "the HTTP API is off: RIGEL_API_TOKEN is shorter than %d characters. Set a long random one, e.g. the output of `openssl rand -hex 32`.", config.MinAPITokenLength)
		}
		return sha256.Sum256([]byte(t.fixed)), nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.read) < tokenTTL {
		return t.sum, t.err
	}
	sum, err := t.fromSecret(ctx)
	if ae, ok := err.(*apiError); err == nil || (ok && ae.status == http.StatusForbidden) {
		t.sum, t.err, t.read = sum, err, time.Now() // a failed read is not kept: the next request tries again
	}
	return sum, err
}

func (t *tokenSource) fromSecret(ctx context.Context) ([32]byte, error) {
	off := func(why string) ([32]byte, error) {
		return [32]byte{}, fail(http.StatusForbidden, "the HTTP API is off: %s. Turn it on with a token in the key %s of the Secret %s in namespace %s (docs/install.md), e.g. `kubectl -n %s create secret generic %s --from-literal=%s=$(openssl rand -hex 32)`, or set RIGEL_API_TOKEN.",
			why, config.SecretKeyAPIToken, config.APISecret, t.namespace, t.namespace, config.APISecret, config.SecretKeyAPIToken)
	}
	if t.secret == nil {
		return off("no token is configured")
	}
	data, exists, err := t.secret.Get(ctx)
	switch {
	case err != nil:
		return [32]byte{}, fail(http.StatusServiceUnavailable, "Rigel could not read its API token from the Secret %s/%s: %v. Try again; if it persists, check that Rigel's Role lets it get that Secret.", t.namespace, config.APISecret, err)
	case !exists:
		return off("no token is configured (there is no Secret " + config.APISecret + ")")
	}
	tok := strings.TrimSpace(string(data[config.SecretKeyAPIToken]))
	switch {
	case tok == "":
		return off(fmt.Sprintf("the Secret %s has no key %s", config.APISecret, config.SecretKeyAPIToken))
	case len(tok) < config.MinAPITokenLength:
		return off(fmt.Sprintf("the token in the Secret %s is shorter than %d characters, too easy to guess", config.APISecret, config.MinAPITokenLength))
	}
	return sha256.Sum256([]byte(tok)), nil
}

// authenticate lets through requests bearing the API token. Without a configured token the
// API is off (403); without a token, or with another one, it answers 401.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		want, err := s.token.current(c.Request().Context())
		if err != nil {
			return err
		}
		scheme, got, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		got = strings.TrimSpace(got)
		if !strings.EqualFold(scheme, "bearer") || got == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rigel"`)
			return fail(http.StatusUnauthorized, "this request has no API token. Send it as a header: `Authorization: Bearer TOKEN` (the token is the key %s of the Secret %s).", config.SecretKeyAPIToken, config.APISecret)
		}
		// Hashing both sides first makes the comparison constant-time whatever the lengths.
		sum := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rigel", error="invalid_token"`)
			return fail(http.StatusUnauthorized, "the API token is not valid. Use the key %s of the Secret %s (it may have been rotated).", config.SecretKeyAPIToken, config.APISecret)
		}
		return next(c)
	}
}
