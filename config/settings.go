package config

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Settings is the bot's configuration. Printing, logging or marshalling Settings redacts
// PrivateKey, WebhookSecret and Token.
type Settings struct {
	Namespace       string
	ListenAddr      string
	GitHubAPIURL    string // ends with '/'
	GitHubWebURL    string // ends with '/'; derived from GitHubAPIURL when unset
	AppID           int64
	PrivateKey      []byte // PEM
	WebhookSecret   string
	Token           string // personal access token, when not running as a GitHub App
	TokenLogin      string // the login the token belongs to
	APIToken        string // the HTTP API's bearer token (RIGEL_API_TOKEN); empty: key api-token of Secret rigel-api
	Kubeconfig      string // empty: in-cluster config, else $KUBECONFIG
	CacheDir        string
	DiffConcurrency int
	Workers         int
	QueueSize       int
	ApplyWait       time.Duration
	LogLevel        string

	// HookTimeout bounds the wait for each hook of an apply (a chart's or Argo CD's hook Job)
	// to complete (RIGEL_HOOK_TIMEOUT, issue 13).
	HookTimeout time.Duration

	// Permissions maps a command to the repository role it needs, over DefaultPermissions.
	Permissions map[string]string
	// RequireApproval: applying in a PR needs an approval of its head by someone with write, and
	// no changes requested by such a person.
	RequireApproval bool
	// RequireMergeable: applying in a PR needs a mergeable_state not in RefuseMergeableStates.
	RequireMergeable bool
	// AllowForkApply: a PR from a fork may be applied.
	AllowForkApply bool
	// DefaultPolicy bounds every deployment; a deployment's own policy (in the registry) is
	// laid over it (see EffectivePolicy).
	DefaultPolicy Policy

	// Protected namespaces (issue 9, policies only narrow): ProtectedNamespaces are refused to
	// every deployment unless DefaultPolicy names them literally, and so is Namespace
	// (Rigel's own). Empty: DefaultProtectedNamespaces (it cannot be emptied).
	ProtectedNamespaces []string

	// Previews of pull requests from forks (issue 9): AllowForkPreview lets everyone allowed
	// to run diff or sync preview a PR whose head repository is not the base repository
	// (RIGEL_ALLOW_FORK_PREVIEW, allowForkPreview). Default false: only people with write.
	AllowForkPreview bool

	// Pull requests that preview themselves (issue 11): AutoplanDrafts lets draft pull
	// requests preview themselves too (RIGEL_AUTOPLAN_DRAFTS, autoplanDrafts). Default false.
	AutoplanDrafts bool

	// Drift (issue 12): the leader re-previews every applied deployment at its last synced
	// commit every DriftInterval, jittered ±10% (RIGEL_DRIFT_INTERVAL, driftInterval; default
	// DefaultDriftInterval, 0: off). Nothing is applied.
	DriftInterval time.Duration

	// Rollback (issue 12): SyncHistory is how many syncs before the last one the registry keeps
	// for each deployment (RIGEL_SYNC_HISTORY, syncHistory; default DefaultSyncHistory, at most
	// MaxSyncHistory; 0: the default): the commits `/rigel rollback` can go back to. Each costs
	// about 120 bytes of the registry ConfigMap per deployment.
	SyncHistory int
	// Notifications (issue 12, settings_notify.go): NotifyDeployments makes each apply a GitHub
	// Deployment with statuses, and drift a status (RIGEL_NOTIFY_DEPLOYMENTS,
	// notifyDeployments; default true). NotifyWebhookSecret names a Secret of Rigel's
	// namespace whose key NotifyWebhookKey holds a Slack-compatible incoming-webhook URL
	// (RIGEL_NOTIFY_WEBHOOK_SECRET, RIGEL_NOTIFY_WEBHOOK_KEY; "": no messages, key "url").
	NotifyDeployments   bool
	NotifyWebhookSecret string
	NotifyWebhookKey    string
	// Push-triggered sync (issue 12): the leader reads the branch tip of every deployment
	// registered with applyOn: push every PollInterval, jittered ±10%, and applies a tip it has
	// not synced or tried, as a push would (RIGEL_POLL_INTERVAL, pollInterval; default 0: off,
	// only push events apply).
	PollInterval time.Duration

	// The optional model of `/rigel fix` (issue 16, settings_model.go): an OpenAI-compatible
	// chat-completions API at ModelURL (its base, …/v1, or the endpoint itself) serving model
	// ModelName, its key read from ModelKeyFile at each request (a mounted Secret; "": no key),
	// each request bounded by ModelTimeout (RIGEL_MODEL_URL, RIGEL_MODEL_NAME,
	// RIGEL_MODEL_KEY_FILE, RIGEL_MODEL_TIMEOUT; "": no model).
	ModelURL     string
	ModelName    string
	ModelKeyFile string
	ModelTimeout time.Duration

	// The git cache's bound (issue 14, settings_cache.go): CacheMax is how many bytes the
	// repositories under CacheDir may take (RIGEL_CACHE_MAX, cacheMax; 0: DefaultCacheMax).
	CacheMax int64
	// Redelivery of failed webhook deliveries (issue 14; settings_redeliver.go): every
	// RedeliverEvery the leader asks GitHub to redeliver the deliveries that failed
	// (RIGEL_REDELIVER_EVERY, redeliverEvery; default DefaultRedeliverEvery, 0: off), at most
	// RedeliverRate a second (RIGEL_REDELIVER_RATE, redeliverRate; 0: DefaultRedeliverRate).
	RedeliverEvery time.Duration
	RedeliverRate  int

	// Fix requests in issues (issue 16, settings_fixissues.go): FixIssues reads every issue
	// opened without a command for a workload it names, and answers as `/rigel fix` would
	// (RIGEL_FIX_ISSUES, fixIssues; default true); an issue labelled FixLabel is read so too
	// (RIGEL_FIX_LABEL, fixLabel; default DefaultFixLabel).
	FixIssues bool
	FixLabel  string

	// Identity names this replica in its Leases (RIGEL_IDENTITY; default POD_NAME).
	Identity string
	// LeaseDuration is how long a replica's Leases (locks, leadership, command records)
	// outlive it; renewed every third of it. 0: DefaultLeaseDuration.
	LeaseDuration time.Duration
	// ShutdownGrace is how long a stopping replica lets running commands finish.
	ShutdownGrace time.Duration

	// The pull request gate (settings_gates.go). RefuseMergeableStates are the mergeable_state
	// values that refuse an apply in a PR when RequireMergeable is on (RIGEL_REFUSE_MERGEABLE_STATES;
	// nil: DefaultRefuseMergeableStates, empty: none). MergeableRetryWait is the first wait
	// before reading again a PR whose mergeability GitHub is still computing
	// (RIGEL_MERGEABLE_RETRY_WAIT; 0: DefaultMergeableRetryWait).
	RefuseMergeableStates []string
	MergeableRetryWait    time.Duration

	// What comments can do (settings_comments.go). MarkerKey keys Rigel's hidden markers
	// (RIGEL_MARKER_KEY or key marker-key of the Secret; empty: derived from the webhook
	// secret); never shown. CommandRate is how many commands a minute one person may run in
	// one repository (RIGEL_COMMAND_RATE, file commandRate; 0: no limit), per replica.
	MarkerKey   string
	CommandRate int

	// The internal listener (settings_listeners.go, issue 18): InternalListenAddr serves the
	// HTTP API, /metrics, /readyz and /healthz (RIGEL_INTERNAL_LISTEN, file internalListenAddr;
	// default :9090); ListenAddr serves only the webhook and /healthz.
	InternalListenAddr string

	// Where credentials go, and token mode's webhook secrets (issue 18; settings_creds.go).
	// GitURL is the git host clone URLs must be on, and the only host Rigel sends its
	// credentials to (RIGEL_GIT_URL, file gitURL; empty: the scheme and host of GitHubWebURL).
	// RepoWebhookSecrets maps "owner/name" (lower case) to the webhook secret of that
	// repository, from the keys webhook-secret.OWNER.NAME of the Secret; used in token mode.
	GitURL             string
	RepoWebhookSecrets map[string]string

	// The registration of the GitHub App by /setup (issue 15; settings_setup.go). PublicURL
	// is the public base URL of the webhook's listener, https://rigel.example.com: the app's
	// webhook is PublicURL + /api/github/hook (RIGEL_PUBLIC_URL, file publicURL; empty: the
	// page asks for it).
	PublicURL string

	// Chart dependencies (issue 13; settings_helm.go): the chart repositories (https URLs) and
	// OCI registries (oci:// prefixes) a chart's Chart.lock dependencies may be fetched from
	// (RIGEL_HELM_REPOSITORIES, file helmRepositories; empty: none, nothing is fetched).
	HelmRepositories []string

	// Private and internal chart sources (issue 13; settings_helm_files.go): HelmCAFile is a
	// PEM bundle trusted besides the system's roots when fetching charts (RIGEL_HELM_CA_FILE,
	// file helmCAFile); HelmCredentialsFile a Docker-config JSON of credentials by host
	// (RIGEL_HELM_CREDENTIALS_FILE, file helmCredentialsFile), sent only to that host when it
	// is on HelmRepositories. Paths, never the credentials themselves.
	HelmCAFile          string
	HelmCredentialsFile string
	// The delivery queue (issue 14, settings_queue.go): the payload bytes waiting at most
	// (RIGEL_QUEUE_BYTES; QueueSize is a cap on their count besides).
	QueueBytes int

	secretErr error // why the Secret could not be read (nil when read, missing, or not asked)
}

// SecretGetter returns the data of Secret namespace/name. An error satisfying
// apierrors.IsNotFound means the Secret does not exist.
type SecretGetter func(ctx context.Context, namespace, name string) (map[string][]byte, error)

// SecretGetterFor reads Secrets with client.
func SecretGetterFor(client kubernetes.Interface) SecretGetter {
	return func(ctx context.Context, namespace, name string) (map[string][]byte, error) {
		sec, err := client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return sec.Data, nil
	}
}

// serviceAccountNamespaceFile holds the pod's namespace when running in a cluster.
var serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// Keys of the Secret helmsman-github.
const (
	SecretKeyAppID         = "app-id"
	SecretKeyPrivateKey    = "private-key"
	SecretKeyWebhookSecret = "webhook-secret"
	SecretKeyToken         = "token"
	SecretKeyLogin         = "login"
	// SecretKeyMarkerKey: settings_comments.go
)

func defaultSettings() *Settings {
	s := &Settings{}
	for _, r := range settingsTable() {
		if r.setDefault != nil {
			r.setDefault(s)
		}
	}
	return s
}

// LoadSettings builds the settings from, in increasing precedence: defaults, the YAML file
// named by RIGEL_CONFIG, and the environment — each setting's default, file key and variables
// are its row of the table (settings_table.go; EnvVariables lists the variables). Then the
// Secret helmsman-github in Namespace fills the credentials still empty. secrets nil means no
// cluster; a missing Secret is fine, and an unreachable one is logged and reported by Validate
// only when credentials are missing. getenv nil means os.Getenv. LoadSettings does not
// validate: call Validate.
func LoadSettings(ctx context.Context, getenv func(string) string, secrets SecretGetter) (*Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	table := settingsTable()
	s := defaultSettings()
	if path := getenv("RIGEL_CONFIG"); path != "" {
		if err := s.applyFile(path, table); err != nil {
			return nil, err
		}
	}
	if err := s.applyEnv(getenv, table); err != nil {
		return nil, err
	}
	if secrets != nil {
		data, err := secrets(ctx, s.Namespace, CredentialSecret)
		switch {
		case apierrors.IsNotFound(err):
			zerolog.Ctx(ctx).Debug().Str("namespace", s.Namespace).Str("secret", CredentialSecret).Msg("no credentials Secret")
		case err != nil:
			s.secretErr = fmt.Errorf("could not read Secret %s/%s: %w", s.Namespace, CredentialSecret, err)
			zerolog.Ctx(ctx).Warn().Err(s.secretErr).Msg("credentials Secret unreachable")
		default:
			if err := s.applySecret(data); err != nil {
				return nil, err
			}
		}
	}
	s.normalize()
	return s, nil
}

// normalize adds trailing slashes to URLs and derives GitHubWebURL.
func (s *Settings) normalize() {
	if s.GitHubAPIURL != "" && !strings.HasSuffix(s.GitHubAPIURL, "/") {
		s.GitHubAPIURL += "/"
	}
	if s.GitHubWebURL == "" {
		s.GitHubWebURL = webURLFor(s.GitHubAPIURL)
	}
	if s.GitHubWebURL != "" && !strings.HasSuffix(s.GitHubWebURL, "/") {
		s.GitHubWebURL += "/"
	}
}

// webURLFor: https://api.github.com/ → https://github.com/;
// https://ghe.example.com/api/v3/ → https://ghe.example.com/.
func webURLFor(api string) string {
	switch {
	case api == "":
		return ""
	case strings.Contains(api, "://api.github.com"):
		return "https://github.com/"
	case strings.HasSuffix(api, "/api/v3/"):
		return strings.TrimSuffix(api, "api/v3/")
	default:
		return api
	}
}

// UsesApp reports whether the bot authenticates as a GitHub App (else with a token).
func (s *Settings) UsesApp() bool {
	return s.AppID != 0 && len(s.PrivateKey) > 0
}
