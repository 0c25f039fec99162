package config

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/rs/zerolog"
)

const redacted = "[redacted]"

// redactedSettings is Settings as it may be shown: credentials replaced by "[redacted]"
// when set and "" when not.
type redactedSettings struct {
	Namespace       string `json:"namespace"`
	ListenAddr      string `json:"listenAddr"`
	GitHubAPIURL    string `json:"githubAPIURL"`
	GitHubWebURL    string `json:"githubWebURL"`
	AppID           int64  `json:"appID"`
	PrivateKey      string `json:"privateKey"`
	WebhookSecret   string `json:"webhookSecret"`
	Token           string `json:"token"`
	TokenLogin      string `json:"tokenLogin"`
	APIToken        string `json:"apiToken"`
	Kubeconfig      string `json:"kubeconfig"`
	CacheDir        string `json:"cacheDir"`
	DiffConcurrency int    `json:"diffConcurrency"`
	Workers         int    `json:"workers"`
	QueueSize       int    `json:"queueSize"`
	ApplyWait       string `json:"applyWait"`
	LogLevel        string `json:"logLevel"`

	Permissions      map[string]string `json:"permissions,omitempty"`
	RequireApproval  bool              `json:"requireApproval"`
	RequireMergeable bool              `json:"requireMergeable"`
	AllowForkApply   bool              `json:"allowForkApply"`
	Identity         string            `json:"identity"`
	LeaseDuration    string            `json:"leaseDuration"`
	ShutdownGrace    string            `json:"shutdownGrace"`
	DefaultPolicy    *Policy           `json:"defaultPolicy,omitempty"`

	// The pull request gate (settings_gates.go).
	RefuseMergeableStates []string `json:"refuseMergeableStates"`
	MergeableRetryWait    string   `json:"mergeableRetryWait"`

	// Previews of pull requests from forks.
	AllowForkPreview bool `json:"allowForkPreview"`

	MarkerKey   string `json:"markerKey"`
	CommandRate int    `json:"commandRate"`

	InternalListenAddr string `json:"internalListenAddr"`
}

func hide(set bool) string {
	if set {
		return redacted
	}
	return ""
}

func (s Settings) redacted() redactedSettings {
	return redactedSettings{
		Namespace:       s.Namespace,
		ListenAddr:      s.ListenAddr,
		GitHubAPIURL:    s.GitHubAPIURL,
		GitHubWebURL:    s.GitHubWebURL,
		AppID:           s.AppID,
		PrivateKey:      hide(len(s.PrivateKey) > 0),
		WebhookSecret:   hide(s.WebhookSecret != ""),
		Token:           hide(s.Token != ""),
		TokenLogin:      s.TokenLogin,
		APIToken:        hide(s.APIToken != ""),
		Kubeconfig:      s.Kubeconfig,
		CacheDir:        s.CacheDir,
		DiffConcurrency: s.DiffConcurrency,
		Workers:         s.Workers,
		QueueSize:       s.QueueSize,
		ApplyWait:       s.ApplyWait.String(),
		LogLevel:        s.LogLevel,

		Permissions:      s.Permissions,
		RequireApproval:  s.RequireApproval,
		RequireMergeable: s.RequireMergeable,
		AllowForkApply:   s.AllowForkApply,
		Identity:         s.Identity,
		LeaseDuration:    s.LeaseDuration.String(),
		ShutdownGrace:    s.ShutdownGrace.String(),
		DefaultPolicy:    nonEmptyPolicy(s.DefaultPolicy),

		RefuseMergeableStates: s.RefusedMergeableStates(),
		MergeableRetryWait:    s.MergeableWait().String(),

		AllowForkPreview: s.AllowForkPreview,

		MarkerKey:   hide(s.MarkerKey != ""),
		CommandRate: s.CommandRate,

		InternalListenAddr: s.InternalListenAddr,
	}
}

// String shows the settings with credentials redacted.
func (s Settings) String() string {
	r := s.redacted()
	return fmt.Sprintf("Settings{Namespace:%q ListenAddr:%q GitHubAPIURL:%q GitHubWebURL:%q AppID:%d PrivateKey:%q WebhookSecret:%q Token:%q TokenLogin:%q Kubeconfig:%q CacheDir:%q DiffConcurrency:%d Workers:%d QueueSize:%d ApplyWait:%s LogLevel:%q}",
		r.Namespace, r.ListenAddr, r.GitHubAPIURL, r.GitHubWebURL, r.AppID, r.PrivateKey, r.WebhookSecret, r.Token, r.TokenLogin,
		r.Kubeconfig, r.CacheDir, r.DiffConcurrency, r.Workers, r.QueueSize, r.ApplyWait, r.LogLevel)
}

// GoString makes %#v redact too.
func (s Settings) GoString() string { return "config." + s.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %d, ...) print the redacted form.
func (s Settings) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// MarshalJSON encodes the settings with credentials redacted.
func (s Settings) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.redacted())
}

// MarshalZerologObject logs the settings with credentials redacted:
// log.Info().Object("settings", s).
func (s Settings) MarshalZerologObject(e *zerolog.Event) {
	r := s.redacted()
	e.Str("namespace", r.Namespace).
		Str("listenAddr", r.ListenAddr).
		Str("githubAPIURL", r.GitHubAPIURL).
		Str("githubWebURL", r.GitHubWebURL).
		Int64("appID", r.AppID).
		Str("privateKey", r.PrivateKey).
		Str("webhookSecret", r.WebhookSecret).
		Str("token", r.Token).
		Str("tokenLogin", r.TokenLogin).
		Str("apiToken", r.APIToken).
		Str("kubeconfig", r.Kubeconfig).
		Str("cacheDir", r.CacheDir).
		Int("diffConcurrency", r.DiffConcurrency).
		Int("workers", r.Workers).
		Int("queueSize", r.QueueSize).
		Str("applyWait", r.ApplyWait).
		Str("logLevel", r.LogLevel).
		Str("markerKey", r.MarkerKey).
		Int("commandRate", r.CommandRate)
	e.Bool("allowForkApply", r.AllowForkApply).Bool("allowForkPreview", r.AllowForkPreview)
	e.Str("internalListenAddr", r.InternalListenAddr)
	if r.DefaultPolicy != nil {
		e.Interface("defaultPolicy", r.DefaultPolicy)
	}
}
