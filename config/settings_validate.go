package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/rs/zerolog"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Validate reports every problem that keeps the bot from starting. Its messages name the
// missing or broken setting and never quote a credential.
func (s *Settings) Validate() error { return s.validate(true) }

// validate is Validate; without credentials, the GitHub credentials and the webhook secret
// are not checked (ValidateSetup).
func (s *Settings) validate(credentials bool) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if credentials && s.WebhookSecret == "" {
		add("no webhook secret: set %s in Secret %s or RIGEL_WEBHOOK_SECRET", SecretKeyWebhookSecret, CredentialSecret)
	}
	if credentials {
		problems = append(problems, s.credentialProblems()...)
	}
	if len(problems) > 0 && s.secretErr != nil {
		problems = append(problems, s.secretErr.Error()) // why the Secret did not fill them
	}
	if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
		add("namespace %q is not valid: %s", s.Namespace, strings.Join(msgs, "; "))
	}
	if s.ListenAddr == "" {
		add("no listen address: set RIGEL_LISTEN")
	}
	for _, u := range []struct{ name, val string }{{"RIGEL_GITHUB_API_URL", s.GitHubAPIURL}, {"RIGEL_GITHUB_WEB_URL", s.GitHubWebURL}} {
		if p, err := url.Parse(u.val); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			add("%s %q is not an http(s) URL", u.name, u.val)
		}
	}
	if s.CacheDir == "" {
		add("no cache directory: set RIGEL_CACHE_DIR")
	}
	for _, n := range []struct {
		name string
		val  int
	}{{"RIGEL_DIFF_CONCURRENCY", s.DiffConcurrency}, {"RIGEL_WORKERS", s.Workers}, {"RIGEL_QUEUE_SIZE", s.QueueSize}} {
		if n.val < 1 {
			add("%s must be at least 1, not %d", n.name, n.val)
		}
	}
	if s.HookTimeout < 0 { // 0 (a Settings built in code) is the engine's default
		add("RIGEL_HOOK_TIMEOUT must be positive, not %s", s.HookTimeout)
	}
	if s.ApplyWait <= 0 {
		add("RIGEL_APPLY_WAIT must be positive, not %s", s.ApplyWait)
	}
	if s.DriftInterval < 0 { // drift (issue 12)
		add("RIGEL_DRIFT_INTERVAL must be 0 (off) or positive, not %s", s.DriftInterval)
	}
	if s.SyncHistory < 0 || s.SyncHistory > MaxSyncHistory { // rollback (issue 12); 0: the default
		add("RIGEL_SYNC_HISTORY must be between 1 and %d, not %d", MaxSyncHistory, s.SyncHistory)
	}
	if s.PollInterval < 0 { // push-triggered sync (issue 12)
		add("RIGEL_POLL_INTERVAL must be 0 (off) or positive, not %s", s.PollInterval)
	}
	if s.LogLevel != "" {
		if _, err := zerolog.ParseLevel(s.LogLevel); err != nil {
			add("RIGEL_LOG_LEVEL %q is not a log level (trace, debug, info, warn, error)", s.LogLevel)
		}
	}
	problems = append(problems, s.permissionProblems()...)
	problems = append(problems, s.replicaProblems()...)
	problems = append(problems, s.gateProblems()...)
	problems = append(problems, s.notifyProblems()...) // notifications (issue 12)
	problems = append(problems, s.modelProblems()...)  // the optional model of fix (issue 16)
	problems = append(problems, s.commentsProblems()...)
	problems = append(problems, s.listenersProblems()...)
	problems = append(problems, s.credsProblems()...)
	problems = append(problems, s.helmReposProblems()...) // chart dependencies (issue 13)
	problems = append(problems, s.redeliverProblems()...) // redelivery of failed deliveries (issue 14)
	problems = append(problems, s.queueProblems()...)     // the delivery queue (issue 14)
	problems = append(problems, s.DefaultPolicy.Problems("the default policy (RIGEL_DEFAULT_NAMESPACES, RIGEL_DEFAULT_REFUSED_KINDS)")...)
	problems = append(problems, s.protectedProblems()...)
	problems = append(problems, s.setupProblems()...)
	if len(problems) == 0 {
		return nil
	}
	return errors.New("refusing to start: " + strings.Join(problems, "; "))
}

// credentialProblems checks that either a GitHub App (id and RSA key) or a token and its
// login are configured.
func (s *Settings) credentialProblems() []string {
	hasApp := s.AppID != 0 || len(s.PrivateKey) > 0
	hasToken := s.Token != "" || s.TokenLogin != ""
	var problems []string
	switch {
	case hasApp:
		if s.AppID == 0 {
			problems = append(problems, fmt.Sprintf("a private key is set but no app id: set %s in Secret %s or RIGEL_APP_ID", SecretKeyAppID, CredentialSecret))
		}
		if len(s.PrivateKey) == 0 {
			problems = append(problems, fmt.Sprintf("app id %d is set but no private key: set %s in Secret %s or RIGEL_PRIVATE_KEY", s.AppID, SecretKeyPrivateKey, CredentialSecret))
		} else if err := checkRSAKey(s.PrivateKey); err != nil {
			problems = append(problems, fmt.Sprintf("the GitHub App private key %v", err))
		}
	case hasToken:
		if s.Token == "" {
			problems = append(problems, fmt.Sprintf("a login is set but no token: set %s in Secret %s or RIGEL_GITHUB_TOKEN", SecretKeyToken, CredentialSecret))
		}
		if s.TokenLogin == "" {
			problems = append(problems, fmt.Sprintf("a token is set but not the login it belongs to: set %s in Secret %s or RIGEL_GITHUB_LOGIN", SecretKeyLogin, CredentialSecret))
		}
	default:
		problems = append(problems, fmt.Sprintf("no GitHub credentials: set %s and %s (GitHub App) or %s and %s in Secret %s, or RIGEL_APP_ID and RIGEL_PRIVATE_KEY, or RIGEL_GITHUB_TOKEN and RIGEL_GITHUB_LOGIN",
			SecretKeyAppID, SecretKeyPrivateKey, SecretKeyToken, SecretKeyLogin, CredentialSecret))
	}
	return problems
}

// checkRSAKey parses an RSA private key in PEM (PKCS #1 or PKCS #8). Its errors say what is
// wrong without quoting the key.
func checkRSAKey(b []byte) error {
	block, _ := pem.Decode(b)
	if block == nil {
		return errors.New("is not PEM: expected the .pem file GitHub gives for the app, starting with a BEGIN RSA PRIVATE KEY line")
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("is not an RSA private key (PEM block %q could not be parsed)", block.Type)
	}
	if _, ok := k.(*rsa.PrivateKey); !ok {
		return fmt.Errorf("is a %T, not an RSA key", k)
	}
	return nil
}
