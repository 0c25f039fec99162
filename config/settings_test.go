package config

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

var (
	keyOnce sync.Once
	keyPEM  []byte
)

// testKey returns a PEM RSA private key (PKCS #1), generated once.
func testKey(t *testing.T) []byte {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	})
	return keyPEM
}

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// noServiceAccount points the pod namespace file at nothing for the test.
func noServiceAccount(t *testing.T) {
	old := serviceAccountNamespaceFile
	serviceAccountNamespaceFile = filepath.Join(t.TempDir(), "none")
	t.Cleanup(func() { serviceAccountNamespaceFile = old })
}

func createSecret(t *testing.T, cs kubernetes.Interface, ns string, data map[string]string) {
	t.Helper()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: CredentialSecret}, StringData: data}
	if _, err := cs.CoreV1().Secrets(ns).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadSettingsPrecedence(t *testing.T) {
	key := testKey(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fileAll := writeFile("all.yaml", `
listenAddr: ":9000"
githubAPIURL: https://ghe.example.com/api/v3
appID: 11
privateKeyFile: `+keyFile+`
webhookSecret: file-hook
cacheDir: /var/cache/rigel
diffConcurrency: 8
workers: 2
queueSize: 50
applyWait: 30s
logLevel: debug
permissions:
  Apply: maintain
  diff: write
requireApproval: false
allowForkApply: true
`)
	fileToken := writeFile("token.yaml", "token: file-token\ntokenLogin: file-bot\n")

	tests := []struct {
		desc   string
		env    map[string]string
		file   string            // RIGEL_CONFIG
		secret map[string]string // Secret helmsman-github, nil: none
		want   func(s *Settings) // applied to the defaults
	}{
		{desc: "defaults", want: func(s *Settings) {}},
		{
			desc: "file over defaults", file: fileAll,
			want: func(s *Settings) {
				s.ListenAddr, s.GitHubAPIURL, s.GitHubWebURL = ":9000", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"
				s.AppID, s.PrivateKey, s.WebhookSecret = 11, key, "file-hook"
				s.CacheDir, s.DiffConcurrency, s.Workers, s.QueueSize, s.ApplyWait, s.LogLevel = "/var/cache/rigel", 8, 2, 50, 30*time.Second, "debug"
				s.Permissions = map[string]string{"apply": "maintain", "diff": "write"}
				s.RequireApproval, s.AllowForkApply = false, true
			},
		},
		{
			desc: "env over file", file: fileAll,
			env: map[string]string{
				"RIGEL_LISTEN": ":7000", "RIGEL_APP_ID": "22", "RIGEL_PRIVATE_KEY": strings.ReplaceAll(string(key), "\n", `\n`),
				"RIGEL_WEBHOOK_SECRET": "env-hook", "RIGEL_GITHUB_API_URL": "http://127.0.0.1:1/api/v3/", "RIGEL_GITHUB_WEB_URL": "http://127.0.0.1:1",
				"RIGEL_KUBECONFIG": "/kc", "RIGEL_CACHE_DIR": "/c", "RIGEL_DIFF_CONCURRENCY": "3", "RIGEL_WORKERS": "9",
				"RIGEL_QUEUE_SIZE": "7", "RIGEL_APPLY_WAIT": "5m", "RIGEL_LOG_LEVEL": "warn",
				"RIGEL_PERMISSIONS": " apply = admin, sync=maintain ,", "RIGEL_REQUIRE_APPROVAL": "true", "RIGEL_REQUIRE_MERGEABLE": "0", "RIGEL_ALLOW_FORK_APPLY": "false",
			},
			want: func(s *Settings) {
				s.ListenAddr, s.GitHubAPIURL, s.GitHubWebURL = ":7000", "http://127.0.0.1:1/api/v3/", "http://127.0.0.1:1/"
				s.AppID, s.PrivateKey, s.WebhookSecret, s.Kubeconfig = 22, key, "env-hook", "/kc"
				s.CacheDir, s.DiffConcurrency, s.Workers, s.QueueSize, s.ApplyWait, s.LogLevel = "/c", 3, 9, 7, 5*time.Minute, "warn"
				s.Permissions = map[string]string{"apply": "admin", "sync": "maintain"} // the variable replaces the file's table
				s.RequireApproval, s.RequireMergeable, s.AllowForkApply = true, false, false
			},
		},
		{
			desc:   "secret fills what is empty",
			secret: map[string]string{"app-id": "33", "private-key": string(key), "webhook-secret": "secret-hook\n", "token": "secret-token", "login": "secret-bot"},
			want: func(s *Settings) {
				s.AppID, s.PrivateKey, s.WebhookSecret, s.Token, s.TokenLogin = 33, key, "secret-hook", "secret-token", "secret-bot"
			},
		},
		{
			desc:   "env and file beat the secret",
			file:   fileToken,
			env:    map[string]string{"RIGEL_WEBHOOK_SECRET": "env-hook", "RIGEL_APP_ID": "44", "RIGEL_PRIVATE_KEY_FILE": keyFile},
			secret: map[string]string{"app-id": "33", "private-key": "not used", "webhook-secret": "secret-hook", "token": "secret-token", "login": "secret-bot"},
			want: func(s *Settings) {
				s.AppID, s.PrivateKey, s.WebhookSecret, s.Token, s.TokenLogin = 44, key, "env-hook", "file-token", "file-bot"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			noServiceAccount(t)
			cs, ns := newClient(t), newNamespace(t)
			if tt.secret != nil {
				createSecret(t, cs, ns, tt.secret)
			}
			env := map[string]string{"RIGEL_NAMESPACE": ns, "RIGEL_CONFIG": tt.file}
			for k, v := range tt.env {
				env[k] = v
			}
			got, err := LoadSettings(testCtx(t), envFunc(env), SecretGetterFor(cs))
			if err != nil {
				t.Fatal(err)
			}
			want := defaultSettings()
			want.Namespace = ns
			want.GitHubWebURL = "https://github.com/"
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
			if !reflect.DeepEqual(got.PrivateKey, want.PrivateKey) || got.WebhookSecret != want.WebhookSecret || got.Token != want.Token {
				t.Fatal("credentials differ")
			}
		})
	}
}

func TestLoadSettingsDefaults(t *testing.T) {
	noServiceAccount(t)
	s, err := LoadSettings(context.Background(), envFunc(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Settings{
		Namespace: "rigel", ListenAddr: ":8080", GitHubAPIURL: "https://api.github.com/", GitHubWebURL: "https://github.com/",
		CacheDir: filepath.Join(os.TempDir(), "rigel-cache"), DiffConcurrency: 32, Workers: 4, QueueSize: 10000,
		ApplyWait: 2 * time.Minute, HookTimeout: 5 * time.Minute, LogLevel: "info", RequireApproval: true, RequireMergeable: true, AllowForkApply: false,
		LeaseDuration: 30 * time.Second, ShutdownGrace: 20 * time.Second,
		DriftInterval:     DefaultDriftInterval,                            // drift (issue 12)
		SyncHistory:       DefaultSyncHistory,                              // rollback (issue 12)
		NotifyDeployments: true, NotifyWebhookKey: DefaultNotifyWebhookKey, // notifications (issue 12)
		RefuseMergeableStates: []string{"dirty", "blocked", "behind", "unknown"},
		CommandRate:           DefaultCommandRate,
		InternalListenAddr:    ":9090",
		CacheMax:              DefaultCacheMax,                                            // the git cache's bound (issue 14)
		RedeliverEvery:        DefaultRedeliverEvery, RedeliverRate: DefaultRedeliverRate, // redelivery (issue 14)
		QueueBytes: DefaultQueueBytes, // the delivery queue (issue 14)
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got  %s\nwant %s", s, want)
	}

	saFile := filepath.Join(t.TempDir(), "namespace")
	if err := os.WriteFile(saFile, []byte("from-pod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	serviceAccountNamespaceFile = saFile
	if s, _ := LoadSettings(context.Background(), envFunc(nil), nil); s.Namespace != "from-pod" {
		t.Fatalf("namespace %q, want the pod's", s.Namespace)
	}
	if s, _ := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_NAMESPACE": "env-ns"}), nil); s.Namespace != "env-ns" {
		t.Fatalf("namespace %q, want RIGEL_NAMESPACE", s.Namespace)
	}
}

func TestLoadSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badFile, []byte("webhookSecret: s3cr3t-file\nworkrs: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc   string
		env    map[string]string
		secret map[string]string
		want   string
		leak   string // must not appear in the error
	}{
		{desc: "app id", env: map[string]string{"RIGEL_APP_ID": "twelve"}, want: `RIGEL_APP_ID "twelve" is not a number`},
		{desc: "two keys", env: map[string]string{"RIGEL_PRIVATE_KEY": "k3y-material", "RIGEL_PRIVATE_KEY_FILE": "/x"}, want: "set only one of", leak: "k3y-material"},
		{desc: "key file", env: map[string]string{"RIGEL_PRIVATE_KEY_FILE": filepath.Join(dir, "missing.pem")}, want: "failed to read RIGEL_PRIVATE_KEY_FILE"},
		{desc: "duration", env: map[string]string{"RIGEL_APPLY_WAIT": "2 minutes"}, want: "RIGEL_APPLY_WAIT"},
		{desc: "workers", env: map[string]string{"RIGEL_WORKERS": "many"}, want: "RIGEL_WORKERS"},
		{desc: "permissions", env: map[string]string{"RIGEL_PERMISSIONS": "apply:maintain"}, want: `RIGEL_PERMISSIONS: "apply:maintain" is not COMMAND=LEVEL`},
		{desc: "gate", env: map[string]string{"RIGEL_REQUIRE_APPROVAL": "yes please"}, want: `RIGEL_REQUIRE_APPROVAL "yes please" is not true or false`},
		{desc: "fork", env: map[string]string{"RIGEL_ALLOW_FORK_APPLY": "maybe"}, want: "RIGEL_ALLOW_FORK_APPLY"},
		{desc: "unknown field in file", env: map[string]string{"RIGEL_CONFIG": badFile}, want: `unknown field "workrs"`, leak: "s3cr3t-file"},
		{desc: "missing file", env: map[string]string{"RIGEL_CONFIG": filepath.Join(dir, "none.yaml")}, want: "failed to read config file"},
		{desc: "secret app id", secret: map[string]string{"app-id": "s3cr3t-id"}, want: "key app-id of Secret", leak: "s3cr3t-id"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			noServiceAccount(t)
			var get SecretGetter
			env := map[string]string{}
			if tt.secret != nil {
				cs, ns := newClient(t), newNamespace(t)
				createSecret(t, cs, ns, tt.secret)
				get, env["RIGEL_NAMESPACE"] = SecretGetterFor(cs), ns
			}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := LoadSettings(context.Background(), envFunc(env), get)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.leak != "" && strings.Contains(err.Error(), tt.leak) {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

// TestLoadSettingsRealSecret reads the credentials from the Secret in the test apiserver.
func TestLoadSettingsRealSecret(t *testing.T) {
	noServiceAccount(t)
	cs, ns := newClient(t), newNamespace(t)
	key := testKey(t)
	createSecret(t, cs, ns, map[string]string{"app-id": "4242", "private-key": string(key), "webhook-secret": "hook-from-cluster"})
	s, err := LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_NAMESPACE": ns}), SecretGetterFor(cs))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.AppID != 4242 || string(s.PrivateKey) != string(key) || s.WebhookSecret != "hook-from-cluster" || !s.UsesApp() {
		t.Fatalf("credentials not read from the Secret: %s", s)
	}

	// No Secret in the namespace: fine, and Validate says what is missing.
	other := newNamespace(t)
	s, err = LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_NAMESPACE": other}), SecretGetterFor(cs))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "refusing to start: no webhook secret: set webhook-secret in Secret helmsman-github or RIGEL_WEBHOOK_SECRET") {
		t.Fatalf("Validate = %v", err)
	}

	// Unreachable Secret (the apiserver refuses the credentials): not fatal, but Validate tells why.
	cfg := rest.AnonymousClientConfig(cluster.Config)
	cfg.BearerToken = "wrong-token"
	anon, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err = LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_NAMESPACE": ns}), SecretGetterFor(anon))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "could not read Secret "+ns+"/helmsman-github") {
		t.Fatalf("Validate = %v, want the reason the Secret was not read", err)
	}
}
