package githubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Manifests is GitHub without credentials, for the app-manifest flow (issue 15, /setup):
// the exchange of the code GitHub redirects with for the new app's credentials, and the
// check that GitHub then authenticates the app with them (VerifyApp, as the account API's).
type Manifests struct {
	*Clients // VerifyApp and VerifyToken only: it holds no credentials
}

// NewManifests talks to GitHub's API at apiURL ("https://api.github.com/" or
// "https://ghe.example.com/api/v3/") through transport (nil: as it is), with the retries of
// every client (retry.go: the exchange, a POST, is not sent twice).
func NewManifests(apiURL string, transport func(http.RoundTripper) http.RoundTripper) *Manifests {
	if apiURL == "" {
		apiURL = "https://api.github.com/"
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	return &Manifests{Clients: &Clients{creds: Credentials{APIURL: apiURL, Transport: transport}, tokens: nil}}
}

// ManifestApp is the app GitHub created from a manifest, as its conversion answers: its
// identity and its secrets. Nothing in it is checked here (ops checks it); none of it is
// to be logged but ID, Slug and Owner.
type ManifestApp struct {
	ID            int64
	Slug          string
	Name          string
	Owner         string // the account that owns it
	HTMLURL       string // as GitHub says; not to be shown as a link unchecked
	PrivateKey    []byte // PEM, as GitHub sends it
	WebhookSecret string
}

// codePattern is what a manifest code may look like before it goes into a path: GitHub's
// are 20 hexadecimal characters; anything else printable and path-safe up to 100 is let
// through to GitHub, which answers whether it knows it.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// ErrBadManifestCode refuses a code that cannot be one of GitHub's.
var ErrBadManifestCode = errors.New("the code is not one GitHub gives (letters, digits, '_', '.', '-', at most 100)")

// ConvertManifest exchanges code for the app GitHub created:
// POST /app-manifests/{code}/conversions, which needs no authentication. The code works
// once, within an hour of the app's creation. Its errors say what GitHub answered, never
// the credentials.
func (m *Manifests) ConvertManifest(ctx context.Context, code string) (*ManifestApp, error) {
	if !codePattern.MatchString(code) {
		return nil, ErrBadManifestCode
	}
	client, err := github.NewClient(&http.Client{Transport: m.transport()}).WithEnterpriseURLs(m.apiURL(), m.apiURL())
	if err != nil {
		return nil, fmt.Errorf("failed to build the GitHub client for %s: %w", m.apiURL(), err)
	}
	cfg, _, err := client.Apps.CompleteAppManifest(ctx, url.PathEscape(code))
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("GitHub (%s) knows no app for this code: it was used already, is older than an hour, or comes from another GitHub (404)", m.apiURL())
		}
		var ue *url.Error // its URL holds the code: say only what failed
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("failed to reach GitHub (%s) to exchange the app manifest code: %w", m.apiURL(), ue.Err)
		}
		return nil, fmt.Errorf("GitHub (%s) refused the app manifest code: %s", m.apiURL(), githubStatus(err))
	}
	return &ManifestApp{
		ID: cfg.GetID(), Slug: cfg.GetSlug(), Name: cfg.GetName(), Owner: cfg.GetOwner().GetLogin(),
		HTMLURL: cfg.GetHTMLURL(), PrivateKey: []byte(cfg.GetPEM()), WebhookSecret: cfg.GetWebhookSecret(),
	}, nil
}
