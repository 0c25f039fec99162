package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/rigel-gitops/rigel/gitsrc"
)

// Settings that say where Rigel's credentials go (issue 18): the one git host clone URLs must
// be on, and, in token mode, a webhook secret per repository.

// SecretKeyRepoWebhookSecretPrefix starts the keys of Secret helmsman-github that hold one
// repository's webhook secret in token mode: "webhook-secret.acme.shop" for acme/shop
// (GitHub owners hold no dot, so the first dot after the prefix ends the owner).
const SecretKeyRepoWebhookSecretPrefix = SecretKeyWebhookSecret + "."

// minRepoWebhookSecret is the shortest per-repository webhook secret accepted, in bytes.
const minRepoWebhookSecret = 16

var repoSecretKey = regexp.MustCompile(`^` + regexp.QuoteMeta(SecretKeyRepoWebhookSecretPrefix) + `([A-Za-z0-9][A-Za-z0-9-]{0,38})\.([A-Za-z0-9._-]{1,100})$`)

// GitHost is the only host Rigel fetches from, pushes to and sends credentials to: GitURL
// when set, else the scheme and host of GitHubWebURL.
func (s *Settings) GitHost() (gitsrc.Host, error) {
	base, name := s.GitURL, "RIGEL_GIT_URL"
	if base == "" {
		base, name = s.GitHubWebURL, "RIGEL_GITHUB_WEB_URL"
		if base == "" {
			base, name = webURLFor(s.GitHubAPIURL), "RIGEL_GITHUB_API_URL"
		}
	}
	h, err := gitsrc.ParseHost(base)
	if err != nil {
		return gitsrc.Host{}, fmt.Errorf("%s: %w", name, err)
	}
	return h, nil
}

// GitHostWarning is what to log at start about the git host: a warning when credentials
// would travel unencrypted (http to a host that is not loopback); "" when all is well.
func (s *Settings) GitHostWarning() string {
	h, err := s.GitHost()
	if err != nil || h.Secure() {
		return ""
	}
	return fmt.Sprintf("the git host %s is plain http: Rigel's GitHub credentials travel unencrypted to it. Use https (RIGEL_GIT_URL, RIGEL_GITHUB_WEB_URL).", h)
}

// RepoWebhookSecret is the webhook secret deliveries for repository fullName ("owner/name")
// must be signed with: its own in token mode when the Secret holds one, else WebhookSecret.
// A GitHub App has one secret for all its deliveries.
func (s *Settings) RepoWebhookSecret(fullName string) string {
	if !s.UsesApp() {
		if v, ok := s.RepoWebhookSecrets[strings.ToLower(fullName)]; ok {
			return v
		}
	}
	return s.WebhookSecret
}

// applyRepoSecrets reads the keys webhook-secret.OWNER.NAME of the Secret. A key of that
// prefix that names no repository is an error naming the key (never its value).
func (s *Settings) applyRepoSecrets(data map[string][]byte) error {
	for k, v := range data {
		if !strings.HasPrefix(k, SecretKeyRepoWebhookSecretPrefix) {
			continue
		}
		m := repoSecretKey.FindStringSubmatch(k)
		if m == nil {
			return fmt.Errorf("key %s of Secret %s/%s does not name a repository: write it %sOWNER.NAME, e.g. %sacme.shop", k, s.Namespace, CredentialSecret, SecretKeyRepoWebhookSecretPrefix, SecretKeyRepoWebhookSecretPrefix)
		}
		if s.RepoWebhookSecrets == nil {
			s.RepoWebhookSecrets = map[string]string{}
		}
		s.RepoWebhookSecrets[strings.ToLower(m[1]+"/"+m[2])] = strings.TrimRight(string(v), "\r\n")
	}
	return nil
}

// credsProblems checks the git host and the per-repository webhook secrets; it never quotes
// a secret.
func (s *Settings) credsProblems() []string {
	var problems []string
	if _, err := s.GitHost(); err != nil {
		problems = append(problems, fmt.Sprintf("the git host is not valid: %v", err))
	}
	for _, repo := range slices.Sorted(maps.Keys(s.RepoWebhookSecrets)) {
		if len(s.RepoWebhookSecrets[repo]) < minRepoWebhookSecret {
			owner, name, _ := strings.Cut(repo, "/")
			problems = append(problems, fmt.Sprintf("the webhook secret of %s (%s%s.%s in Secret %s) must be at least %d characters", repo, SecretKeyRepoWebhookSecretPrefix, owner, name, CredentialSecret, minRepoWebhookSecret))
		}
	}
	return problems
}

// CredsWarnings are what to log at start about where credentials go: a git host over plain
// http, per-repository webhook secrets an app does not use, and token mode with one secret
// for every repository.
func (s *Settings) CredsWarnings() []string {
	var out []string
	if w := s.GitHostWarning(); w != "" {
		out = append(out, w)
	}
	switch {
	case s.UsesApp() && len(s.RepoWebhookSecrets) > 0:
		out = append(out, fmt.Sprintf("the keys %sOWNER.NAME of Secret %s are ignored: a GitHub App signs every delivery with its one webhook secret", SecretKeyRepoWebhookSecretPrefix, CredentialSecret))
	case !s.UsesApp() && len(s.RepoWebhookSecrets) == 0:
		out = append(out, fmt.Sprintf("token mode with one webhook secret for every repository: whoever sets up one repository's webhook can sign deliveries for all the others. Give each repository its own (key %sOWNER.NAME of Secret %s)", SecretKeyRepoWebhookSecretPrefix, CredentialSecret))
	}
	return out
}
