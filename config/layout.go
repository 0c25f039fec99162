package config

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Keys of the registry ConfigMap's data.
const (
	keyVersion       = "version"
	keyRepos         = "repos.yaml"
	keyLegacySources = "sources"
)

// decodeData reads the registry held in a ConfigMap's data (nil: no ConfigMap). legacy
// reports that data is in the legacy layout and was migrated in memory.
func decodeData(ctx context.Context, data map[string]string) (s *Sources, legacy bool, err error) {
	version, hasVersion := data[keyVersion]
	if !hasVersion {
		if raw, ok := data[keyLegacySources]; ok {
			s, err := migrateLegacy(ctx, raw)
			if err != nil {
				return nil, false, err
			}
			validateEntries(ctx, s)
			return s, true, nil
		}
		version = strconv.Itoa(SchemaVersion) // repos.yaml written by hand without a version, or nothing at all
	}
	v, err := strconv.Atoi(strings.TrimSpace(version))
	if err != nil || v < SchemaVersion {
		return nil, false, fmt.Errorf("unsupported registry version %q in ConfigMap %s", version, SourcesConfigMap)
	}
	if v > SchemaVersion {
		return nil, false, fmt.Errorf("registry version %d in ConfigMap %s is newer than this build supports (%d)", v, SourcesConfigMap, SchemaVersion)
	}
	s = &Sources{Version: SchemaVersion, Repos: []Repo{}}
	if raw := data[keyRepos]; strings.TrimSpace(raw) != "" {
		if err := readRepos(raw, &s.Repos); err != nil { // registry_encode.go
			return nil, false, fmt.Errorf("failed to parse %s of ConfigMap %s: %w", keyRepos, SourcesConfigMap, err)
		}
		if s.Repos == nil {
			s.Repos = []Repo{}
		}
	}
	validateEntries(ctx, s) // registry_validate.go
	return s, false, nil
}

// encodeData returns a copy of old (may be nil) holding s in the version 2 layout, without
// the legacy key. Other keys are kept.
func encodeData(old map[string]string, s *Sources) (map[string]string, error) {
	return encodeDataReusing(old, s, nil)
}

// encodeDataReusing is encodeData reusing the lines of an earlier write (registry_encode.go).
func encodeDataReusing(old map[string]string, s *Sources, lines *encodedLines) (map[string]string, error) {
	for i := range s.Repos {
		if s.Repos[i].Deployments == nil {
			s.Repos[i].Deployments = []Deployment{}
		}
	}
	repos := make([]Repo, len(s.Repos))
	for i, r := range s.Repos { // restoreInvalid adds to the copies, not to s
		r.Deployments = slices.Clone(r.Deployments)
		repos[i] = r
	}
	repos, err := restoreInvalid(repos, s) // the invalid entries, as they were read
	if err != nil {
		return nil, err
	}
	sortSources(&Sources{Repos: repos})
	raw, err := writeRepos(repos, lines) // registry_encode.go
	if err != nil {
		return nil, fmt.Errorf("failed to encode %s: %w", keyRepos, err)
	}
	data := maps.Clone(old)
	if data == nil {
		data = map[string]string{}
	}
	delete(data, keyLegacySources)
	data[keyVersion] = strconv.Itoa(SchemaVersion)
	data[keyRepos] = raw
	s.Version = SchemaVersion
	return data, nil
}
