package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// Prefix is where the API is served.
const Prefix = "/api/git"

// GitHub is what the API needs from GitHub (githubclient.Clients implements it).
type GitHub interface {
	// ForInstallation returns the GitHub of an installation (0 with a token).
	ForInstallation(id int64) (ops.Forge, error)
	// LookupRepo returns a repository as the registry would store it; found is false when
	// GitHub does not show it to Rigel.
	LookupRepo(ctx context.Context, fullName string) (repo config.Repo, found bool, err error)
	// InstallationOf returns the installation of the app on a repository, looked up on
	// GitHub (0 with a token); *ops.NotInstalled when there is none.
	InstallationOf(ctx context.Context, fullName string) (int64, error)
}

// SecretReader reads the data of a Secret; exists is false when there is none
// (config.SecretStore).
type SecretReader interface {
	Get(ctx context.Context) (data map[string][]byte, exists bool, err error)
}

// Deps is what the API works with.
type Deps struct {
	Ops      *ops.Service
	GitHub   GitHub
	Settings *config.Settings // as Rigel runs: namespace, RIGEL_API_TOKEN
	// APISecret is the Secret rigel-api, where the API token is when RIGEL_API_TOKEN is not
	// set (config.APITokenStore); nil: no token but RIGEL_API_TOKEN.
	APISecret SecretReader
	BotLogin  string // who Rigel acts as on GitHub
}

type server struct {
	Deps
	token *tokenSource
}

// Mount serves the API under Prefix on e. Its answers, errors included, are JSON.
func Mount(e *echo.Echo, d Deps) {
	s := &server{Deps: d, token: newTokenSource(d.Settings.APIToken, d.APISecret, d.Settings.Namespace)}
	prev := e.HTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if p := c.Request().URL.Path; p == Prefix || strings.HasPrefix(p, Prefix+"/") {
			s.writeError(c, err)
			return
		}
		prev(err, c)
	}
	g := e.Group(Prefix, s.logRequests, s.authenticate)
	for _, r := range s.routes() {
		g.Add(r.method, r.path, r.handle)
	}
}

type route struct {
	method, path string
	handle       echo.HandlerFunc
}

func (s *server) routes() []route {
	return []route{
		{http.MethodGet, "/sources", s.listSources},
		{http.MethodPost, "/sources", s.addRepo},
		{http.MethodDelete, "/sources", s.removeRepo},
		{http.MethodPost, "/sources/deployment", s.addDeployment},
		{http.MethodDelete, "/sources/deployment", s.removeDeployment},
		{http.MethodGet, "/repos", s.listRepos},
		{http.MethodGet, "/repo-tree", s.repoTree},
		{http.MethodPost, "/sync", s.sync},
		{http.MethodPost, "/propose-fix", s.proposeFix},
		{http.MethodGet, "/account", s.getAccount},
		{http.MethodPost, "/account", s.setAccount},
		{http.MethodDelete, "/account", s.deleteAccount},
		{http.MethodGet, "/locks", s.listLocks},                // locks.go
		{http.MethodDelete, "/locks/:deployment", s.breakLock}, // locks.go
	}
}

// endpoints lists the API for answers to unknown paths: "GET|POST|DELETE /api/git/sources, …".
func (s *server) endpoints() string {
	var out []string
	for _, p := range s.paths() {
		out = append(out, strings.Join(s.methods(p), "|")+" "+Prefix+p)
	}
	return strings.Join(out, ", ")
}

func (s *server) paths() []string {
	var out []string
	for _, r := range s.routes() {
		if len(out) == 0 || out[len(out)-1] != r.path {
			out = append(out, r.path)
		}
	}
	return out
}

// methods are the methods path takes.
func (s *server) methods(path string) []string {
	var out []string
	for _, r := range s.routes() {
		if r.path == path {
			out = append(out, r.method)
		}
	}
	return out
}

// apiError is a refusal with its HTTP status.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

type errorBody struct {
	Error string `json:"error"`
}

// refusalStatus is the HTTP status of each kind of refusal, first match first; any other
// refusal is bad input (400).
var refusalStatus = []struct {
	is     func(error) bool
	status int
}{
	{is[*ops.Stale], http.StatusConflict},    // the preview is not what would be applied now
	{is[*ops.NotFound], http.StatusNotFound}, // a deployment, repository (or workload) nothing has
	{is[*ops.PullHeld], http.StatusConflict}, // another pull request holds the deployment
}

// is says whether err is (or wraps) a T.
func is[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// statusOf is the HTTP status of a refusal.
func statusOf(err error) int {
	for _, r := range refusalStatus {
		if r.is(err) {
			return r.status
		}
	}
	return http.StatusBadRequest
}

// writeError answers err as {"error": "…"}: the API's own refusals with their status, the
// service's with the status refusalStatus gives them (a stale plan 409, a name nothing has
// 404, other bad input 400), anything else 500.
func (s *server) writeError(c echo.Context, err error) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, err.Error()
	var ae *apiError
	var he *echo.HTTPError
	refusal, refused := words.Refusal(err, hints)
	switch {
	case errors.As(err, &ae):
		status, msg = ae.status, ae.msg
	case refused:
		status, msg = statusOf(err), refusal
	case errors.As(err, &he) && (he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed):
		path := c.Request().URL.Path
		if allowed := s.methods(strings.TrimPrefix(path, Prefix)); len(allowed) > 0 {
			c.Response().Header().Set(echo.HeaderAllow, strings.Join(allowed, ", "))
			status, msg = http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s, not %s.", path, strings.Join(allowed, ", "), c.Request().Method)
		} else {
			status, msg = http.StatusNotFound, fmt.Sprintf("there is no %s in Rigel's API. It has: %s.", path, s.endpoints())
		}
	case errors.As(err, &he):
		status, msg = he.Code, fmt.Sprint(he.Message)
	default:
		zerolog.Ctx(c.Request().Context()).Error().Err(err).Msg("api request failed")
	}
	if err := c.JSON(status, errorBody{Error: msg}); err != nil {
		zerolog.Ctx(c.Request().Context()).Warn().Err(err).Msg("failed to answer an api request")
	}
}

// logRequests logs each request once it is answered: method, path, status, duration and the
// actor. Bodies and tokens are never logged.
func (s *server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		log := zerolog.Ctx(c.Request().Context()).With().Str("api", c.Request().Method+" "+c.Request().URL.Path).Str("actor", "api-token").Logger()
		c.SetRequest(c.Request().WithContext(log.WithContext(c.Request().Context())))
		if err := next(c); err != nil {
			s.writeError(c, err)
		}
		log.Info().Int("status", c.Response().Status).Dur("took", time.Since(start)).Msg("api request")
		return nil
	}
}
