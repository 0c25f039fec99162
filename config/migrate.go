package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"sigs.k8s.io/yaml"
)

// legacySource is one entry of the legacy single-source layout (see doc.go).
type legacySource struct {
	Name           string     `json:"name"`
	Repo           string     `json:"repo"`
	Branch         string     `json:"branch"`
	Path           string     `json:"path"`
	LastSyncCommit string     `json:"lastSyncCommit"`
	LastSyncTime   legacyTime `json:"lastSyncTime"`
	LastSyncStatus string     `json:"lastSyncStatus"`
}

// legacyTime accepts an RFC 3339 string, "2006-01-02 15:04:05" (UTC) or Unix seconds.
type legacyTime struct{ time.Time }

func (t *legacyTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		t.Time = time.Unix(n, 0).UTC()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("lastSyncTime must be a string or Unix seconds: %w", err)
	}
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("lastSyncTime %q is not an RFC 3339 time", s)
}

// parseLegacy reads the legacy sources value: a JSON or YAML list, or a single object.
func parseLegacy(raw string) ([]legacySource, error) {
	js, err := yaml.YAMLToJSON([]byte(raw))
	if err != nil {
		return nil, err
	}
	js = bytes.TrimSpace(js)
	switch {
	case len(js) == 0 || string(js) == "null":
		return nil, nil
	case js[0] == '{':
		var one legacySource
		if err := json.Unmarshal(js, &one); err != nil {
			return nil, err
		}
		return []legacySource{one}, nil
	default:
		var list []legacySource
		if err := json.Unmarshal(js, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
}

// migrateLegacy converts the legacy layout to Sources: one Repo per repository, one
// Deployment per old source.
func migrateLegacy(ctx context.Context, raw string) (*Sources, error) {
	old, err := parseLegacy(raw)
	if err != nil {
		return nil, fmt.Errorf("failed to parse legacy key %q of ConfigMap %s: %w", keyLegacySources, SourcesConfigMap, err)
	}
	log := zerolog.Ctx(ctx)
	s := &Sources{Version: SchemaVersion, Repos: []Repo{}}
	used := map[string]bool{}
	for i, o := range old {
		full, cloneURL := legacyRepoName(o.Repo)
		if full == "" {
			return nil, fmt.Errorf("failed to migrate legacy source %d (%q) of ConfigMap %s: no repo", i+1, o.Name, SourcesConfigMap)
		}
		p, err := CleanPath(strings.TrimPrefix(o.Path, "/"))
		if err != nil {
			return nil, fmt.Errorf("failed to migrate legacy source %d (%q) of ConfigMap %s: %w", i+1, o.Name, SourcesConfigMap, err)
		}
		name := uniqueName(SanitizeName(o.Name), used)
		d := Deployment{Name: name, Path: p}
		if o.LastSyncCommit != "" || !o.LastSyncTime.IsZero() || o.LastSyncStatus != "" {
			d.LastSync = &LastSync{Commit: o.LastSyncCommit, Time: o.LastSyncTime.Time, Status: o.LastSyncStatus}
		}
		r := s.FindRepo(full)
		if r == nil {
			s.Repos = append(s.Repos, Repo{Repo: full, Branch: o.Branch, CloneURL: cloneURL})
			r = &s.Repos[len(s.Repos)-1]
		} else if o.Branch != "" && r.Branch != o.Branch {
			if r.Branch == "" {
				r.Branch = o.Branch
			} else {
				log.Warn().Str("repo", full).Str("source", o.Name).Str("kept", r.Branch).Str("dropped", o.Branch).
					Msg("legacy sources of one repo name different branches; keeping the first")
			}
		}
		if dup := findPath(r, p); dup != "" {
			log.Warn().Str("repo", full).Str("path", p).Str("source", o.Name).Str("kept", dup).
				Msg("legacy sources register the same folder twice; keeping both")
		}
		r.Deployments = append(r.Deployments, d)
	}
	log.Info().Int("sources", len(old)).Int("repos", len(s.Repos)).Msg("migrated legacy sources registry in memory")
	return s, nil
}

func findPath(r *Repo, p string) string {
	for _, d := range r.Deployments {
		if d.Path == p {
			return d.Name
		}
	}
	return ""
}

// uniqueName returns name, or name-2, name-3, ... when taken, and marks it used.
func uniqueName(name string, used map[string]bool) string {
	out := name
	for n := 2; used[out]; n++ {
		suffix := "-" + strconv.Itoa(n)
		base := name
		if len(base)+len(suffix) > 63 {
			base = strings.TrimRight(base[:63-len(suffix)], "-")
		}
		out = base + suffix
	}
	used[out] = true
	return out
}

// legacyRepoName turns "acme/web", "https://github.com/acme/web.git" or
// "git@github.com:acme/web.git" into "acme/web". cloneURL is the https URL when one was
// given (without any user info).
func legacyRepoName(s string) (full, cloneURL string) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", ""
		}
		u.User = nil
		full = strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
		if u.Scheme == "https" || u.Scheme == "http" {
			cloneURL = u.String()
		}
		return full, cloneURL
	}
	if at := strings.Index(s, "@"); at >= 0 {
		if colon := strings.Index(s[at:], ":"); colon >= 0 {
			s = s[at+colon+1:]
		}
	}
	return strings.TrimSuffix(strings.Trim(s, "/"), ".git"), ""
}
