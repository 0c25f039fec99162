package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// settingsFile is the YAML file named by RIGEL_CONFIG. Empty fields leave the default.
type settingsFile struct {
	Namespace       string `json:"namespace"`
	ListenAddr      string `json:"listenAddr"`
	GitHubAPIURL    string `json:"githubAPIURL"`
	GitHubWebURL    string `json:"githubWebURL"`
	AppID           int64  `json:"appID"`
	PrivateKey      string `json:"privateKey"`
	PrivateKeyFile  string `json:"privateKeyFile"`
	WebhookSecret   string `json:"webhookSecret"`
	Token           string `json:"token"`
	TokenLogin      string `json:"tokenLogin"`
	APIToken        string `json:"apiToken"`
	Kubeconfig      string `json:"kubeconfig"`
	CacheDir        string `json:"cacheDir"`
	DiffConcurrency int    `json:"diffConcurrency"`
	Workers         int    `json:"workers"`
	QueueSize       int    `json:"queueSize"`
	ApplyWait       string `json:"applyWait"` // Go duration: "2m"
	LogLevel        string `json:"logLevel"`

	Permissions      map[string]string `json:"permissions"` // command: level
	RequireApproval  *bool             `json:"requireApproval"`
	RequireMergeable *bool             `json:"requireMergeable"`
	AllowForkApply   *bool             `json:"allowForkApply"`
	Identity         string            `json:"identity"`
	LeaseDuration    string            `json:"leaseDuration"` // Go duration: "30s"
	ShutdownGrace    string            `json:"shutdownGrace"` // Go duration: "20s"
	DefaultPolicy    *Policy           `json:"defaultPolicy"`

	ProtectedNamespaces []string `json:"protectedNamespaces"` // settings_protected.go

	// The pull request gate (settings_gates.go).
	RefuseMergeableStates []string `json:"refuseMergeableStates"` // [] refuses none
	MergeableRetryWait    string   `json:"mergeableRetryWait"`    // Go duration: "1s"

	// Previews of pull requests from forks.
	AllowForkPreview *bool `json:"allowForkPreview"`

	CommandRate *int `json:"commandRate"` // settings_comments.go

	InternalListenAddr string `json:"internalListenAddr"` // settings_listeners.go
	GitURL             string `json:"gitURL"`             // settings_creds.go
}

func (s *Settings) applyFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("failed to read config file: %w", err)
	}
	var f settingsFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return fmt.Errorf("failed to parse config file %s: %w", path, err)
	}
	if f.PrivateKey != "" && f.PrivateKeyFile != "" {
		return fmt.Errorf("config file %s: set only one of privateKey and privateKeyFile", path)
	}
	setStr(&s.Namespace, f.Namespace)
	setStr(&s.ListenAddr, f.ListenAddr)
	setStr(&s.GitHubAPIURL, f.GitHubAPIURL)
	setStr(&s.GitHubWebURL, f.GitHubWebURL)
	if f.AppID != 0 {
		s.AppID = f.AppID
	}
	if f.PrivateKey != "" {
		s.PrivateKey = []byte(f.PrivateKey)
	}
	if f.PrivateKeyFile != "" {
		if s.PrivateKey, err = os.ReadFile(f.PrivateKeyFile); err != nil {
			return fmt.Errorf("config file %s: failed to read private key file: %w", path, err)
		}
	}
	setStr(&s.WebhookSecret, f.WebhookSecret)
	setStr(&s.Token, f.Token)
	setStr(&s.TokenLogin, f.TokenLogin)
	setStr(&s.APIToken, f.APIToken)
	setStr(&s.Kubeconfig, f.Kubeconfig)
	setStr(&s.CacheDir, f.CacheDir)
	setInt(&s.DiffConcurrency, f.DiffConcurrency)
	setInt(&s.Workers, f.Workers)
	setInt(&s.QueueSize, f.QueueSize)
	if f.ApplyWait != "" {
		if s.ApplyWait, err = time.ParseDuration(f.ApplyWait); err != nil {
			return fmt.Errorf("config file %s: applyWait: %w", path, err)
		}
	}
	setStr(&s.LogLevel, f.LogLevel)
	if len(f.Permissions) > 0 {
		s.Permissions = map[string]string{}
		for c, l := range f.Permissions {
			s.Permissions[strings.ToLower(strings.TrimSpace(c))] = strings.ToLower(strings.TrimSpace(l))
		}
	}
	setBool(&s.RequireApproval, f.RequireApproval)
	setBool(&s.RequireMergeable, f.RequireMergeable)
	setBool(&s.AllowForkApply, f.AllowForkApply)
	setBool(&s.AllowForkPreview, f.AllowForkPreview)
	if err := s.applyReplicaFile(path, &f); err != nil {
		return err
	}
	if err := s.applyGatesFile(path, &f); err != nil {
		return err
	}
	if f.DefaultPolicy != nil {
		s.DefaultPolicy = *f.DefaultPolicy
	}
	s.applyProtectedFile(&f)
	s.applyCommentsFile(&f)
	s.applyListenersFile(&f)
	setStr(&s.GitURL, f.GitURL)
	return nil
}

func (s *Settings) applyEnv(getenv func(string) string) error {
	if err := s.applyReplicaEnv(getenv); err != nil {
		return err
	}
	if err := s.applyGatesEnv(getenv); err != nil {
		return err
	}
	if err := s.applyCommentsEnv(getenv); err != nil {
		return err
	}
	s.applyListenersEnv(getenv)
	setStr(&s.GitURL, getenv("RIGEL_GIT_URL"))
	setStr(&s.Namespace, getenv("RIGEL_NAMESPACE"))
	setStr(&s.ListenAddr, getenv("RIGEL_LISTEN"))
	setStr(&s.GitHubAPIURL, getenv("RIGEL_GITHUB_API_URL"))
	setStr(&s.GitHubWebURL, getenv("RIGEL_GITHUB_WEB_URL"))
	if v := getenv("RIGEL_APP_ID"); v != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("RIGEL_APP_ID %q is not a number", v)
		}
		s.AppID = id
	}
	key, keyFile := getenv("RIGEL_PRIVATE_KEY"), getenv("RIGEL_PRIVATE_KEY_FILE")
	switch {
	case key != "" && keyFile != "":
		return fmt.Errorf("set only one of RIGEL_PRIVATE_KEY and RIGEL_PRIVATE_KEY_FILE")
	case key != "":
		if !strings.Contains(key, "\n") { // one-line form with literal \n
			key = strings.ReplaceAll(key, `\n`, "\n")
		}
		s.PrivateKey = []byte(key)
	case keyFile != "":
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return fmt.Errorf("failed to read RIGEL_PRIVATE_KEY_FILE: %w", err)
		}
		s.PrivateKey = b
	}
	setStr(&s.WebhookSecret, getenv("RIGEL_WEBHOOK_SECRET"))
	setStr(&s.Token, getenv("RIGEL_GITHUB_TOKEN"))
	setStr(&s.TokenLogin, getenv("RIGEL_GITHUB_LOGIN"))
	setStr(&s.APIToken, getenv("RIGEL_API_TOKEN"))
	setStr(&s.Kubeconfig, getenv("RIGEL_KUBECONFIG"))
	setStr(&s.CacheDir, getenv("RIGEL_CACHE_DIR"))
	for _, e := range []struct {
		name string
		dst  *int
	}{
		{"RIGEL_DIFF_CONCURRENCY", &s.DiffConcurrency},
		{"RIGEL_WORKERS", &s.Workers},
		{"RIGEL_QUEUE_SIZE", &s.QueueSize},
	} {
		if v := getenv(e.name); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s %q is not a number", e.name, v)
			}
			*e.dst = n
		}
	}
	if v := getenv("RIGEL_APPLY_WAIT"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("RIGEL_APPLY_WAIT %q is not a duration like 2m", v)
		}
		s.ApplyWait = d
	}
	setStr(&s.LogLevel, getenv("RIGEL_LOG_LEVEL"))
	if v := getenv("RIGEL_PERMISSIONS"); v != "" {
		p, err := parsePermissions("RIGEL_PERMISSIONS", v)
		if err != nil {
			return err
		}
		s.Permissions = p
	}
	for _, e := range []struct {
		name string
		dst  *bool
	}{
		{"RIGEL_REQUIRE_APPROVAL", &s.RequireApproval},
		{"RIGEL_REQUIRE_MERGEABLE", &s.RequireMergeable},
		{"RIGEL_ALLOW_FORK_APPLY", &s.AllowForkApply},
		{"RIGEL_ALLOW_FORK_PREVIEW", &s.AllowForkPreview},
	} {
		if v := getenv(e.name); v != "" {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s %q is not true or false", e.name, v)
			}
			*e.dst = b
		}
	}
	return s.applyPolicyEnv(getenv)
}

// applyPolicyEnv reads the default policy: RIGEL_DEFAULT_NAMESPACES and
// RIGEL_DEFAULT_REFUSED_KINDS (comma-separated), RIGEL_DEFAULT_CLUSTER_SCOPED (true or false).
func (s *Settings) applyPolicyEnv(getenv func(string) string) error {
	if v := getenv("RIGEL_DEFAULT_NAMESPACES"); v != "" {
		s.DefaultPolicy.Namespaces = splitList(v)
	}
	if v := getenv("RIGEL_DEFAULT_REFUSED_KINDS"); v != "" {
		s.DefaultPolicy.RefusedKinds = splitList(v)
	}
	if v := getenv("RIGEL_DEFAULT_CLUSTER_SCOPED"); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("RIGEL_DEFAULT_CLUSTER_SCOPED %q is not true or false", v)
		}
		s.DefaultPolicy.ClusterScoped = &b
	}
	if err := s.applyEscalationEnv(getenv); err != nil {
		return err
	}
	return s.applyProtectedEnv(getenv)
}

// applySecret fills the credentials still empty from the Secret's data. Errors never quote
// the Secret's values.
func (s *Settings) applySecret(data map[string][]byte) error {
	if v := strings.TrimSpace(string(data[SecretKeyAppID])); v != "" && s.AppID == 0 {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("key %s of Secret %s/%s is not a number", SecretKeyAppID, s.Namespace, CredentialSecret)
		}
		s.AppID = id
	}
	if v := data[SecretKeyPrivateKey]; len(v) > 0 && len(s.PrivateKey) == 0 {
		s.PrivateKey = v
	}
	setStr(&s.WebhookSecret, secretString(s.WebhookSecret, data[SecretKeyWebhookSecret]))
	setStr(&s.Token, secretString(s.Token, data[SecretKeyToken]))
	setStr(&s.TokenLogin, secretString(s.TokenLogin, data[SecretKeyLogin]))
	s.applyCommentsSecret(data)
	return s.applyRepoSecrets(data)
}

// secretString returns the Secret's value (without trailing newline) when cur is empty.
func secretString(cur string, v []byte) string {
	if cur != "" {
		return ""
	}
	return strings.TrimRight(string(v), "\r\n")
}

func setStr(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setInt(dst *int, v int) {
	if v != 0 {
		*dst = v
	}
}
