package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The table of settings (issue 10): each setting is declared once — its Settings field, its
// environment variables, its keys in the YAML file (RIGEL_CONFIG), its key in Secret
// helmsman-github, whether it is a secret, how it is parsed, how it is shown — and that table
// drives the defaults (defaultSettings), the file (settings_load.go), the environment, the
// Secret and redaction (settings_redact.go). A new setting is one row here.

// setting is one row of the table.
type setting struct {
	field     string   // the Settings field it fills; "DefaultPolicy.Namespaces" for part of one
	env       []string // environment variables it reads, the main one first
	keys      []string // keys of the config file it reads
	secretKey string   // the key of Secret helmsman-github that fills it when still empty
	redact    bool     // a secret: shown only as "[redacted]" when set, "" when not
	show      string   // the name it is shown under in JSON and logs; "" when not shown
	inString  bool     // shown by Settings.String (under field)
	kind      string   // how its values are read: string, int, bool, duration, list, …
	doc       string   // one line of documentation

	setDefault func(s *Settings)
	fromEnv    func(s *Settings, getenv func(string) string) error
	fromFile   func(s *Settings, path string, get fileLookup) error
	fromSecret func(s *Settings, data map[string][]byte) error
	value      func(s *Settings) any // the value shown (before redaction); nil: omitted
}

// notSettings are the fields of Settings that are no setting (checked by a test).
var notSettings = []string{"secretErr"}

// settingsTable is every setting, in the order they are shown.
func settingsTable() []setting {
	return []setting{
		str("Namespace", "RIGEL_NAMESPACE", "namespace", func(s *Settings) *string { return &s.Namespace }).
			def(func(s *Settings) { s.Namespace = podNamespace() }).inStr().
			docs("Rigel's namespace (its Secrets, Leases, registry); default the pod's, else rigel"),
		str("ListenAddr", "RIGEL_LISTEN", "listenAddr", func(s *Settings) *string { return &s.ListenAddr }).
			defVal(":8080").inStr().docs("the webhook's listen address"),
		str("GitHubAPIURL", "RIGEL_GITHUB_API_URL", "githubAPIURL", func(s *Settings) *string { return &s.GitHubAPIURL }).
			defVal("https://api.github.com/").inStr().docs("GitHub's REST API"),
		str("GitHubWebURL", "RIGEL_GITHUB_WEB_URL", "githubWebURL", func(s *Settings) *string { return &s.GitHubWebURL }).
			inStr().docs("GitHub's web address; empty: derived from the API's"),
		appIDSetting(),
		privateKeySetting(),
		str("WebhookSecret", "RIGEL_WEBHOOK_SECRET", "webhookSecret", func(s *Settings) *string { return &s.WebhookSecret }).
			fromSecretKey(SecretKeyWebhookSecret).redacted().inStr().docs("the secret webhook deliveries are signed with"),
		str("Token", "RIGEL_GITHUB_TOKEN", "token", func(s *Settings) *string { return &s.Token }).
			fromSecretKey(SecretKeyToken).redacted().inStr().docs("a personal access token, when not running as a GitHub App"),
		str("TokenLogin", "RIGEL_GITHUB_LOGIN", "tokenLogin", func(s *Settings) *string { return &s.TokenLogin }).
			fromSecretKey(SecretKeyLogin).inStr().docs("the login the token belongs to"),
		str("APIToken", "RIGEL_API_TOKEN", "apiToken", func(s *Settings) *string { return &s.APIToken }).
			redacted().docs("the HTTP API's bearer token; empty: key api-token of Secret rigel-api"),
		str("Kubeconfig", "RIGEL_KUBECONFIG", "kubeconfig", func(s *Settings) *string { return &s.Kubeconfig }).
			inStr().docs("empty: in-cluster config, else $KUBECONFIG"),
		str("CacheDir", "RIGEL_CACHE_DIR", "cacheDir", func(s *Settings) *string { return &s.CacheDir }).
			def(func(s *Settings) { s.CacheDir = filepath.Join(os.TempDir(), "rigel-cache") }).inStr().docs("where clones are kept"),
		num("DiffConcurrency", "RIGEL_DIFF_CONCURRENCY", "diffConcurrency", func(s *Settings) *int { return &s.DiffConcurrency }).
			defVal(32).inStr().docs("requests in flight at the apiserver for all previews, applies and the drift sweep of a replica together"),
		num("Workers", "RIGEL_WORKERS", "workers", func(s *Settings) *int { return &s.Workers }).
			defVal(4).inStr().docs("commands run at once"),
		num("QueueSize", "RIGEL_QUEUE_SIZE", "queueSize", func(s *Settings) *int { return &s.QueueSize }).
			defVal(10000).inStr().docs("deliveries waiting at most, a cap on their count; RIGEL_QUEUE_BYTES bounds their memory"),
		dur("ApplyWait", "RIGEL_APPLY_WAIT", "applyWait", "2m", func(s *Settings) *time.Duration { return &s.ApplyWait }).
			defVal(2 * time.Minute).inStr().docs("how long an apply waits for its workloads"),
		dur("HookTimeout", "RIGEL_HOOK_TIMEOUT", "hookTimeout", "5m", func(s *Settings) *time.Duration { return &s.HookTimeout }).
			defVal(5 * time.Minute).inStr().docs("how long an apply waits for each hook (a chart's or Argo CD's hook Job) to complete"),
		str("LogLevel", "RIGEL_LOG_LEVEL", "logLevel", func(s *Settings) *string { return &s.LogLevel }).
			defVal("info").inStr().docs("debug, info, warn or error"),
		permissionsSetting(),
		boolean("RequireApproval", "RIGEL_REQUIRE_APPROVAL", "requireApproval", func(s *Settings) *bool { return &s.RequireApproval }).
			defVal(true).docs("applying in a PR needs an approval of its head by someone with write"),
		boolean("RequireMergeable", "RIGEL_REQUIRE_MERGEABLE", "requireMergeable", func(s *Settings) *bool { return &s.RequireMergeable }).
			defVal(true).docs("applying in a PR needs a mergeable_state not refused"),
		boolean("AllowForkApply", "RIGEL_ALLOW_FORK_APPLY", "allowForkApply", func(s *Settings) *bool { return &s.AllowForkApply }).
			docs("a PR from a fork may be applied"),

		// A replica among several (settings_replica.go).
		identitySetting(),
		dur("LeaseDuration", "RIGEL_LEASE_DURATION", "leaseDuration", "30s", func(s *Settings) *time.Duration { return &s.LeaseDuration }).
			defVal(DefaultLeaseDuration).docs("how long a replica's Leases outlive it"),
		dur("ShutdownGrace", "RIGEL_SHUTDOWN_GRACE", "shutdownGrace", "30s", func(s *Settings) *time.Duration { return &s.ShutdownGrace }).
			defVal(DefaultShutdownGrace).docs("how long a stopping replica lets running commands finish"),

		// The default policy (policy.go, settings_escalation.go, settings_protected.go).
		defaultPolicySetting(),
		policyList("DefaultPolicy.Namespaces", "RIGEL_DEFAULT_NAMESPACES", func(p *Policy) *[]string { return &p.Namespaces }).
			docs("comma-separated: the default policy's namespaces"),
		policyList("DefaultPolicy.RefusedKinds", "RIGEL_DEFAULT_REFUSED_KINDS", func(p *Policy) *[]string { return &p.RefusedKinds }).
			docs("comma-separated: the default policy's refusedKinds"),
		// Argo CD sync options the default policy refuses (issue 17, policy/syncoptions.go).
		policyList("DefaultPolicy.RefusedSyncOptions", "RIGEL_DEFAULT_REFUSED_SYNC_OPTIONS", func(p *Policy) *[]string { return &p.RefusedSyncOptions }).
			docs("comma-separated: the default policy's refusedSyncOptions (Force=true, Replace=true)"),
		policyFlag("DefaultPolicy.ClusterScoped", "RIGEL_DEFAULT_CLUSTER_SCOPED", func(p *Policy) **bool { return &p.ClusterScoped }).
			docs("the default policy's clusterScoped"),
		policyFlag("DefaultPolicy.AllowEscalation", "RIGEL_DEFAULT_ALLOW_ESCALATION", func(p *Policy) **bool { return &p.AllowEscalation }).
			docs("the default policy's allowEscalation"),
		policyList("DefaultPolicy.RigelClusterRoles", "RIGEL_OWN_CLUSTER_ROLES", func(p *Policy) *[]string { return &p.RigelClusterRoles }).
			docs("comma-separated: the ClusterRoles the installation gives Rigel besides DefaultRigelClusterRoles"),
		policyFlag("DefaultPolicy.NamespaceObjects", "RIGEL_DEFAULT_NAMESPACE_OBJECTS", func(p *Policy) **bool { return &p.NamespaceObjects }).
			docs("the default policy's namespaceObjects"),
		protectedSetting(),

		// The pull request gate (settings_gates.go).
		refuseStatesSetting(),
		dur("MergeableRetryWait", "RIGEL_MERGEABLE_RETRY_WAIT", "mergeableRetryWait", "1s", func(s *Settings) *time.Duration { return &s.MergeableRetryWait }).
			shown(func(s *Settings) any { return s.MergeableWait() }).
			docs("the first wait before reading again a PR whose mergeability GitHub is computing"),
		boolean("AllowForkPreview", "RIGEL_ALLOW_FORK_PREVIEW", "allowForkPreview", func(s *Settings) *bool { return &s.AllowForkPreview }).
			docs("everyone allowed to run diff or sync may preview a PR from a fork"),

		// Pull requests that preview themselves (issue 11).
		boolean("AutoplanDrafts", "RIGEL_AUTOPLAN_DRAFTS", "autoplanDrafts", func(s *Settings) *bool { return &s.AutoplanDrafts }).
			docs("draft pull requests preview themselves too"),

		// Drift (issue 12).
		dur("DriftInterval", "RIGEL_DRIFT_INTERVAL", "driftInterval", "10m", func(s *Settings) *time.Duration { return &s.DriftInterval }).
			defVal(DefaultDriftInterval).docs("how often the leader re-previews every applied deployment for drift (jittered ±10%); 0: never"),

		// Rollback (issue 12, settings_rollback.go).
		num("SyncHistory", "RIGEL_SYNC_HISTORY", "syncHistory", func(s *Settings) *int { return &s.SyncHistory }).
			defVal(DefaultSyncHistory).docs("how many earlier syncs of each deployment the registry keeps for /rigel rollback (about 120 bytes each)"),
		// Notifications (issue 12, settings_notify.go).
		boolean("NotifyDeployments", "RIGEL_NOTIFY_DEPLOYMENTS", "notifyDeployments", func(s *Settings) *bool { return &s.NotifyDeployments }).
			defVal(true).docs("each apply is a GitHub Deployment with statuses, drift a status (needs deployments: write)"),
		str("NotifyWebhookSecret", "RIGEL_NOTIFY_WEBHOOK_SECRET", "notifyWebhookSecret", func(s *Settings) *string { return &s.NotifyWebhookSecret }).
			docs("the Secret of Rigel's namespace holding a Slack-compatible incoming-webhook URL; empty: no messages"),
		str("NotifyWebhookKey", "RIGEL_NOTIFY_WEBHOOK_KEY", "notifyWebhookKey", func(s *Settings) *string { return &s.NotifyWebhookKey }).
			defVal(DefaultNotifyWebhookKey).docs("the key of that Secret holding the URL"),
		// Push-triggered sync (issue 12): the polling fallback.
		dur("PollInterval", "RIGEL_POLL_INTERVAL", "pollInterval", "5m", func(s *Settings) *time.Duration { return &s.PollInterval }).
			docs("how often the leader reads the branch of each applyOn: push deployment and applies a tip whose push was not delivered (jittered ±10%); 0: never"),

		// Redelivery of failed webhook deliveries (issue 14, settings_redeliver.go).
		redeliverEverySetting(),
		redeliverRateSetting(),

		// The optional model of /rigel fix (issue 16, settings_model.go).
		str("ModelURL", "RIGEL_MODEL_URL", "modelURL", func(s *Settings) *string { return &s.ModelURL }).
			docs("an OpenAI-compatible chat-completions API /rigel fix asks when its rules have no fix (its base, like https://api.openai.com/v1); empty: no model"),
		str("ModelName", "RIGEL_MODEL_NAME", "modelName", func(s *Settings) *string { return &s.ModelName }).
			docs("the model to ask, named in its replies and pull requests"),
		str("ModelKeyFile", "RIGEL_MODEL_KEY_FILE", "modelKeyFile", func(s *Settings) *string { return &s.ModelKeyFile }).
			docs("a file holding the API's key (a mounted Secret), read at each request, never logged; empty: no key"),
		dur("ModelTimeout", "RIGEL_MODEL_TIMEOUT", "modelTimeout", "1m", func(s *Settings) *time.Duration { return &s.ModelTimeout }).
			docs("how long one request to the model may take (a failed one is tried once more); 0: 1m"),

		// What comments can do (settings_comments.go).
		markerKeySetting(),
		commandRateSetting(),

		// The internal listener (settings_listeners.go).
		str("InternalListenAddr", "RIGEL_INTERNAL_LISTEN", "internalListenAddr", func(s *Settings) *string { return &s.InternalListenAddr }).
			defVal(DefaultInternalListenAddr).docs("the HTTP API, /metrics, /readyz and /healthz"),

		// Where credentials go (settings_creds.go).
		str("GitURL", "RIGEL_GIT_URL", "gitURL", func(s *Settings) *string { return &s.GitURL }).
			hidden().docs("the git host clone URLs must be on; empty: that of the web URL"),
		{
			field: "RepoWebhookSecrets", secretKey: SecretKeyRepoWebhookSecretPrefix + "OWNER.NAME", redact: true, kind: "map",
			doc:        "token mode: the webhook secret of each repository",
			fromSecret: (*Settings).applyRepoSecrets,
		},

		// The registration of the GitHub App by /setup (settings_setup.go).
		publicURLSetting(),

		// Chart dependencies (issue 13, settings_helm.go).
		helmReposSetting(),
		// Private and internal chart sources (issue 13, settings_helm_files.go).
		helmCAFileSetting(),
		helmCredentialsFileSetting(),

		// The git cache's bound (issue 14, settings_cache.go).
		cacheMaxSetting(),

		// The delivery queue's bound in bytes (issue 14, settings_queue.go).
		queueBytesSetting(),
		// Fix requests in issues (issue 16, settings_fixissues.go).
		boolean("FixIssues", "RIGEL_FIX_ISSUES", "fixIssues", func(s *Settings) *bool { return &s.FixIssues }).
			defVal(true).docs("an issue opened without a command that names a linked workload gets what /rigel fix would answer"),
		str("FixLabel", "RIGEL_FIX_LABEL", "fixLabel", func(s *Settings) *string { return &s.FixLabel }).
			defVal(DefaultFixLabel).docs("the label that asks Rigel to read an issue for a fix request"),
	}
}

// Builders of the rows.

func (r setting) def(f func(s *Settings)) setting { r.setDefault = f; return r }
func (r setting) inStr() setting                  { r.inString = true; return r }
func (r setting) redacted() setting               { r.redact = true; return r }
func (r setting) hidden() setting                 { r.show, r.value = "", nil; return r }
func (r setting) docs(d string) setting           { r.doc = d; return r }
func (r setting) shown(v func(s *Settings) any) setting {
	r.value = v
	return r
}

// typed is a row of one field of type T, to give it a default.
type typed[T any] struct {
	setting
	ptr func(s *Settings) *T
}

func (r typed[T]) defVal(v T) typed[T] {
	r.setDefault = func(s *Settings) { *r.ptr(s) = v }
	return r
}

func (r typed[T]) def(f func(s *Settings)) typed[T] { r.setting = r.setting.def(f); return r }
func (r typed[T]) inStr() typed[T]                  { r.setting = r.setting.inStr(); return r }
func (r typed[T]) redacted() typed[T]               { r.setting = r.setting.redacted(); return r }
func (r typed[T]) hidden() typed[T]                 { r.setting = r.setting.hidden(); return r }
func (r typed[T]) shown(v func(s *Settings) any) typed[T] {
	r.setting = r.setting.shown(v)
	return r
}
func (r typed[T]) docs(d string) setting { return r.setting.docs(d) }

// fromSecretKey fills a string setting still empty from key of the Secret (without its
// trailing newline).
func (r typed[T]) fromSecretKey(key string) typed[T] {
	r.secretKey = key
	r.fromSecret = func(s *Settings, data map[string][]byte) error {
		p, ok := any(r.ptr(s)).(*string)
		if !ok {
			panic("fromSecretKey on a setting that is not a string: " + r.field)
		}
		if *p == "" {
			if v := strings.TrimRight(string(data[key]), "\r\n"); v != "" {
				*p = v
			}
		}
		return nil
	}
	return r
}

func row[T any](field, env, key string, p func(*Settings) *T) typed[T] {
	r := setting{field: field, show: key, value: func(s *Settings) any { return *p(s) }}
	if env != "" {
		r.env = []string{env}
	}
	if key != "" {
		r.keys = []string{key}
	}
	return typed[T]{setting: r, ptr: p}
}

// str: a string; an empty value (environment or file) leaves it.
func str(field, env, key string, p func(*Settings) *string) typed[string] {
	r := row(field, env, key, p)
	r.kind = "string"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv(env); v != "" {
			*p(s) = v
		}
		return nil
	}
	r.fromFile = fileValue(key, func(s *Settings, _ string, v string) error {
		if v != "" {
			*p(s) = v
		}
		return nil
	})
	return r
}

// num: an int; 0 in the file leaves it.
func num(field, env, key string, p func(*Settings) *int) typed[int] {
	r := row(field, env, key, p)
	r.kind = "int"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv(env); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s %q is not a number", env, v)
			}
			*p(s) = n
		}
		return nil
	}
	r.fromFile = fileValue(key, func(s *Settings, _ string, v int) error {
		if v != 0 {
			*p(s) = v
		}
		return nil
	})
	return r
}

// boolean: true or false; either in the file sets it.
func boolean(field, env, key string, p func(*Settings) *bool) typed[bool] {
	r := row(field, env, key, p)
	r.kind = "bool"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv(env); v != "" {
			b, err := parseBool(env, v)
			if err != nil {
				return err
			}
			*p(s) = b
		}
		return nil
	}
	r.fromFile = fileValue(key, func(s *Settings, _ string, v *bool) error {
		if v != nil {
			*p(s) = *v
		}
		return nil
	})
	return r
}

// dur: a Go duration ("2m"); like is an example for the error.
func dur(field, env, key, like string, p func(*Settings) *time.Duration) typed[time.Duration] {
	r := row(field, env, key, p)
	r.kind = "duration"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s %q is not a duration like %s", env, v, like)
			}
			*p(s) = d
		}
		return nil
	}
	r.fromFile = fileValue(key, func(s *Settings, path string, v string) error {
		if v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, key, err)
		}
		*p(s) = d
		return nil
	})
	return r
}

func parseBool(env, v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("%s %q is not true or false", env, v)
	}
	return b, nil
}

// policyList: a comma-separated list of the default policy, from the environment only (the
// file sets the whole defaultPolicy).
func policyList(field, env string, p func(*Policy) *[]string) setting {
	return setting{field: field, env: []string{env}, kind: "list", fromEnv: func(s *Settings, getenv func(string) string) error {
		if v := splitList(getenv(env)); len(v) > 0 {
			*p(&s.DefaultPolicy) = v
		}
		return nil
	}}
}

// policyFlag: true or false of the default policy, from the environment only.
func policyFlag(field, env string, p func(*Policy) **bool) setting {
	return setting{field: field, env: []string{env}, kind: "bool", fromEnv: func(s *Settings, getenv func(string) string) error {
		if v := getenv(env); v != "" {
			b, err := parseBool(env, v)
			if err != nil {
				return err
			}
			*p(&s.DefaultPolicy) = &b
		}
		return nil
	}}
}

func podNamespace() string {
	if b, err := os.ReadFile(serviceAccountNamespaceFile); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b))
	}
	return "rigel"
}

func appIDSetting() setting {
	p := func(s *Settings) *int64 { return &s.AppID }
	r := row("AppID", "RIGEL_APP_ID", "appID", p).inStr()
	r.kind = "int"
	r.secretKey = SecretKeyAppID
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv("RIGEL_APP_ID"); v != "" {
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("RIGEL_APP_ID %q is not a number", v)
			}
			s.AppID = id
		}
		return nil
	}
	r.fromFile = fileValue("appID", func(s *Settings, _ string, v int64) error {
		if v != 0 {
			s.AppID = v
		}
		return nil
	})
	// Errors never quote the Secret's values.
	r.fromSecret = func(s *Settings, data map[string][]byte) error {
		if v := strings.TrimSpace(string(data[SecretKeyAppID])); v != "" && s.AppID == 0 {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("key %s of Secret %s/%s is not a number", SecretKeyAppID, s.Namespace, CredentialSecret)
			}
			s.AppID = id
		}
		return nil
	}
	return r.docs("the GitHub App's id")
}

func privateKeySetting() setting {
	return setting{
		field: "PrivateKey", env: []string{"RIGEL_PRIVATE_KEY", "RIGEL_PRIVATE_KEY_FILE"},
		keys: []string{"privateKey", "privateKeyFile"}, secretKey: SecretKeyPrivateKey,
		redact: true, show: "privateKey", inString: true, kind: "pem",
		doc:   "the GitHub App's private key (PEM), or the file holding it",
		value: func(s *Settings) any { return s.PrivateKey },
		fromEnv: func(s *Settings, getenv func(string) string) error {
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
			return nil
		},
		fromFile: func(s *Settings, path string, get fileLookup) error {
			var key, keyFile string
			if err := get.decode(path, "privateKey", &key); err != nil {
				return err
			}
			if err := get.decode(path, "privateKeyFile", &keyFile); err != nil {
				return err
			}
			switch {
			case key != "" && keyFile != "":
				return fmt.Errorf("config file %s: set only one of privateKey and privateKeyFile", path)
			case key != "":
				s.PrivateKey = []byte(key)
			case keyFile != "":
				b, err := os.ReadFile(keyFile)
				if err != nil {
					return fmt.Errorf("config file %s: failed to read private key file: %w", path, err)
				}
				s.PrivateKey = b
			}
			return nil
		},
		fromSecret: func(s *Settings, data map[string][]byte) error {
			if v := data[SecretKeyPrivateKey]; len(v) > 0 && len(s.PrivateKey) == 0 {
				s.PrivateKey = v
			}
			return nil
		},
	}
}

func permissionsSetting() setting {
	p := func(s *Settings) *map[string]string { return &s.Permissions }
	r := row("Permissions", "RIGEL_PERMISSIONS", "permissions", p)
	r.kind = "permissions"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv("RIGEL_PERMISSIONS"); v != "" {
			perms, err := parsePermissions("RIGEL_PERMISSIONS", v)
			if err != nil {
				return err
			}
			s.Permissions = perms
		}
		return nil
	}
	r.fromFile = fileValue("permissions", func(s *Settings, _ string, v map[string]string) error {
		if len(v) > 0 {
			s.Permissions = map[string]string{}
			for c, l := range v {
				s.Permissions[strings.ToLower(strings.TrimSpace(c))] = strings.ToLower(strings.TrimSpace(l))
			}
		}
		return nil
	})
	r.value = func(s *Settings) any {
		if len(s.Permissions) == 0 {
			return nil
		}
		return s.Permissions
	}
	return r.docs("COMMAND=LEVEL,…: the repository role each command needs, over DefaultPermissions")
}

func identitySetting() setting {
	r := row("Identity", "RIGEL_IDENTITY", "identity", func(s *Settings) *string { return &s.Identity })
	r.env = append(r.env, "POD_NAME")
	r.kind = "string"
	// An identity still unset is the pod's name (POD_NAME, from the downward API); when that
	// is unset too, ReplicaIdentity makes one up at start.
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := strings.TrimSpace(getenv("RIGEL_IDENTITY")); v != "" {
			s.Identity = v
		}
		if s.Identity == "" {
			s.Identity = strings.TrimSpace(getenv("POD_NAME"))
		}
		return nil
	}
	r.fromFile = fileValue("identity", func(s *Settings, _ string, v string) error {
		if v != "" {
			s.Identity = v
		}
		return nil
	})
	return r.docs("this replica's name in its Leases; default POD_NAME")
}

func defaultPolicySetting() setting {
	r := row("DefaultPolicy", "", "defaultPolicy", func(s *Settings) *Policy { return &s.DefaultPolicy })
	r.kind = "policy"
	r.fromFile = fileValue("defaultPolicy", func(s *Settings, _ string, v *Policy) error {
		if v != nil {
			s.DefaultPolicy = *v
		}
		return nil
	})
	r.value = func(s *Settings) any {
		if p := nonEmptyPolicy(s.DefaultPolicy); p != nil {
			return p
		}
		return nil
	}
	return r.docs("bounds every deployment; a deployment's own policy is laid over it")
}

func protectedSetting() setting {
	r := row("ProtectedNamespaces", "RIGEL_PROTECTED_NAMESPACES", "protectedNamespaces", func(s *Settings) *[]string { return &s.ProtectedNamespaces })
	r.kind = "list"
	// The environment replaces the default list, and an empty value keeps it.
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := splitList(getenv("RIGEL_PROTECTED_NAMESPACES")); len(v) > 0 {
			s.ProtectedNamespaces = v
		}
		return nil
	}
	r.fromFile = fileValue("protectedNamespaces", func(s *Settings, _ string, v []string) error {
		if list := trimmedList(v); len(list) > 0 {
			s.ProtectedNamespaces = list
		}
		return nil
	})
	return r.hidden().docs("namespaces refused to every deployment unless the default policy names them; empty: DefaultProtectedNamespaces")
}

func refuseStatesSetting() setting {
	r := row("RefuseMergeableStates", "RIGEL_REFUSE_MERGEABLE_STATES", "refuseMergeableStates", func(s *Settings) *[]string { return &s.RefuseMergeableStates })
	r.kind = "states"
	r = r.def(func(s *Settings) { s.RefuseMergeableStates = slices.Clone(DefaultRefuseMergeableStates) })
	// Comma-separated; "none" refuses none. In the file a list; [] refuses none.
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv("RIGEL_REFUSE_MERGEABLE_STATES"); strings.TrimSpace(v) != "" {
			s.RefuseMergeableStates = parseMergeableStates(v)
		}
		return nil
	}
	r.fromFile = fileValue("refuseMergeableStates", func(s *Settings, _ string, v []string) error {
		if v != nil {
			s.RefuseMergeableStates = normalizeStates(v)
		}
		return nil
	})
	return r.shown(func(s *Settings) any { return s.RefusedMergeableStates() }).
		docs("the mergeable_state values that refuse an apply in a PR")
}

func markerKeySetting() setting {
	r := row("MarkerKey", "RIGEL_MARKER_KEY", "", func(s *Settings) *string { return &s.MarkerKey }).
		fromSecretKey(SecretKeyMarkerKey).redacted()
	r.kind = "string"
	r.show = "markerKey"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := strings.TrimRight(getenv("RIGEL_MARKER_KEY"), "\r\n"); v != "" {
			s.MarkerKey = v
		}
		return nil
	}
	return r.docs("keys Rigel's hidden markers; empty: derived from the webhook secret")
}

func commandRateSetting() setting {
	r := row("CommandRate", "RIGEL_COMMAND_RATE", "commandRate", func(s *Settings) *int { return &s.CommandRate }).defVal(DefaultCommandRate)
	r.kind = "int"
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv("RIGEL_COMMAND_RATE"); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("RIGEL_COMMAND_RATE %q is not a number (commands a minute per person; 0: no limit)", v)
			}
			s.CommandRate = n
		}
		return nil
	}
	// In the file, 0 too is a value (no limit).
	r.fromFile = fileValue("commandRate", func(s *Settings, _ string, v *int) error {
		if v != nil {
			s.CommandRate = *v
		}
		return nil
	})
	return r.docs("commands a minute one person may run in one repository, per replica; 0: no limit")
}

// EnvVariables are the environment variables the settings are read from (besides
// RIGEL_CONFIG, the file's path), in the table's order.
func EnvVariables() []string {
	var out []string
	for _, r := range settingsTable() {
		out = append(out, r.env...)
	}
	return out
}
