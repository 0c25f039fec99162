package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// The YAML file named by RIGEL_CONFIG, the environment and the Secret, read through the table
// of settings (settings_table.go). An empty value leaves the default.

// fileLookup holds the keys of the config file, as JSON.
type fileLookup map[string]json.RawMessage

// decode reads key into dst (a pointer); an absent key leaves dst. Unknown fields of objects
// are refused.
func (f fileLookup) decode(path, key string, dst any) error {
	raw, ok := f[key]
	if !ok {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		return fmt.Errorf("failed to parse config file %s: %s: %w", path, key, err)
	}
	return nil
}

// fileValue is a fromFile reading key as a T and handing it to apply.
func fileValue[T any](key string, apply func(s *Settings, path string, v T) error) func(s *Settings, path string, get fileLookup) error {
	return func(s *Settings, path string, get fileLookup) error {
		if _, ok := get[key]; !ok {
			return nil
		}
		var v T
		if err := get.decode(path, key, &v); err != nil {
			return err
		}
		return apply(s, path, v)
	}
}

// readSettingsFile reads the config file into its keys, refusing keys no setting has (the key
// named as in the table; a key differing only in case is taken as that one, as
// encoding/json does).
func readSettingsFile(path string, table []setting) (fileLookup, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read config file: %w", err)
	}
	js, err := yaml.YAMLToJSONStrict(b)
	if err != nil {
		return nil, fmt.Errorf("failed to parse config file %s: %w", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, fmt.Errorf("failed to parse config file %s: %w", path, err)
	}
	out := fileLookup{}
	for k, v := range raw {
		name := ""
		for _, r := range table {
			for _, key := range r.keys {
				if key == k || (name == "" && strings.EqualFold(key, k)) {
					name = key
				}
			}
		}
		if name == "" {
			return nil, fmt.Errorf("failed to parse config file %s: unknown field %q", path, k)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("failed to parse config file %s: field %q set twice", path, name)
		}
		out[name] = v
	}
	return out, nil
}

func (s *Settings) applyFile(path string, table []setting) error {
	f, err := readSettingsFile(path, table)
	if err != nil {
		return err
	}
	for _, r := range table {
		if r.fromFile != nil {
			if err := r.fromFile(s, path, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Settings) applyEnv(getenv func(string) string, table []setting) error {
	for _, r := range table {
		if r.fromEnv != nil {
			if err := r.fromEnv(s, getenv); err != nil {
				return err
			}
		}
	}
	return nil
}

// applySecret fills the credentials still empty from the Secret's data. Errors never quote
// the Secret's values.
func (s *Settings) applySecret(data map[string][]byte) error {
	for _, r := range settingsTable() {
		if r.fromSecret != nil {
			if err := r.fromSecret(s, data); err != nil {
				return err
			}
		}
	}
	return nil
}
