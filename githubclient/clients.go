package githubclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	gosync "sync"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
	"github.com/palantir/go-githubapp/githubapp"
)

// Credentials say how Rigel authenticates to GitHub: as an app, or with a token.
type Credentials struct {
	APIURL     string // "https://api.github.com/" or "https://ghe.example.com/api/v3/"
	AppID      int64
	PrivateKey []byte
	Token      string // a personal access token, used when AppID is 0
	TokenLogin string // the token's user

	// Transport wraps the transport of every request to GitHub (API calls and installation
	// token requests alike), e.g. to count them; nil: http.DefaultTransport as is.
	Transport func(http.RoundTripper) http.RoundTripper
}

// Clients hands out a GitHub per installation.
type Clients struct {
	creds   Credentials
	creator githubapp.ClientCreator
	mu      gosync.Mutex
	tokens  map[int64]*ghinstallation.Transport

	installs installationCache // the installation of each repository, looked up (installation_lookup.go)
}

// New builds Clients from credentials.
func New(creds Credentials) (*Clients, error) {
	if creds.APIURL == "" {
		creds.APIURL = "https://api.github.com/"
	}
	if !strings.HasSuffix(creds.APIURL, "/") {
		creds.APIURL += "/"
	}
	c := &Clients{creds: creds, tokens: map[int64]*ghinstallation.Transport{}}
	if creds.AppID != 0 {
		creator := githubapp.NewClientCreator(creds.APIURL, strings.TrimSuffix(creds.APIURL, "v3/")+"graphql", creds.AppID, creds.PrivateKey,
			githubapp.WithClientUserAgent("rigel"), githubapp.WithTransport(c.transport()))
		// One client per installation, kept: its token is reused until ghinstallation renews
		// it, instead of a new token for every delivery.
		cached, err := githubapp.NewCachingClientCreator(creator, githubapp.DefaultCachingClientCapacity)
		if err != nil {
			return nil, fmt.Errorf("failed to set up GitHub access: %w", err)
		}
		c.creator = cached
	} else if creds.Token == "" {
		return nil, fmt.Errorf("failed to set up GitHub access: neither an app id nor a token is configured")
	}
	return c, nil
}

func (c *Clients) apiURL() string { return c.creds.APIURL }

// transport is what every request to GitHub goes through: Retry (see retry.go) around the
// caller's Transport (so each attempt is seen) around http.DefaultTransport. It sits below
// ghinstallation, so installation token requests are retried too.
func (c *Clients) transport() http.RoundTripper {
	var base http.RoundTripper = http.DefaultTransport
	if c.creds.Transport != nil {
		base = c.creds.Transport(base)
	}
	return Retry(base, DefaultRetryPolicy)
}

// Login is the login Rigel comments as: "<app-slug>[bot]" for an app, the token's user otherwise.
func (c *Clients) Login(ctx context.Context) (string, error) {
	if c.creator == nil {
		return c.creds.TokenLogin, nil
	}
	client, err := c.creator.NewAppClient()
	if err != nil {
		return "", fmt.Errorf("failed to build the app client: %w", err)
	}
	app, _, err := client.Apps.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("failed to read the GitHub App (GET /app): %w", err)
	}
	return app.GetSlug() + "[bot]", nil
}

// ForInstallation returns the GitHub of one installation.
func (c *Clients) ForInstallation(id int64) (*Installation, error) {
	if c.creator == nil {
		client, err := github.NewClient(&http.Client{Transport: c.transport()}).WithAuthToken(c.creds.Token).WithEnterpriseURLs(c.apiURL(), c.apiURL())
		if err != nil {
			return nil, fmt.Errorf("failed to build the GitHub client for %s: %w", c.apiURL(), err)
		}
		login, token := c.creds.TokenLogin, c.creds.Token
		return &Installation{client: client, creds: func(context.Context) (string, string, error) { return login, token, nil }}, nil
	}
	if id == 0 {
		return nil, fmt.Errorf("failed to act on the event: it names no app installation")
	}
	client, err := c.creator.NewInstallationClient(id)
	if err != nil {
		return nil, fmt.Errorf("failed to build the client of installation %d: %w", id, err)
	}
	tr, err := c.tokenSource(id)
	if err != nil {
		return nil, err
	}
	return &Installation{client: client, creds: func(ctx context.Context) (string, string, error) {
		tok, err := tr.Token(ctx)
		if err != nil {
			return "", "", fmt.Errorf("failed to get a token for installation %d: %w", id, err)
		}
		return "x-access-token", tok, nil
	}}, nil
}

// tokenSource keeps one ghinstallation transport per installation; it refreshes the token
// before it expires.
func (c *Clients) tokenSource(id int64) (*ghinstallation.Transport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tr, ok := c.tokens[id]; ok {
		return tr, nil
	}
	tr, err := ghinstallation.New(c.transport(), c.creds.AppID, id, c.creds.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("failed to set up tokens for installation %d: %w", id, err)
	}
	tr.BaseURL = strings.TrimSuffix(c.apiURL(), "/")
	c.tokens[id] = tr
	return tr, nil
}
