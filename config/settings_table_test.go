package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestSettingsTableCoversFields: every field of Settings is a row of the table or is listed in
// notSettings, so a new field cannot be forgotten; every row names a field that exists, has a
// documentation line and a kind, and no two rows share a variable, a file key or a Secret key.
func TestSettingsTableCoversFields(t *testing.T) {
	table := settingsTable()
	rowFields := map[string]bool{}
	env, keys, secretKeys, shown := map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}
	unique := func(seen map[string]string, what, name, field string) {
		t.Helper()
		if other, dup := seen[strings.ToLower(name)]; dup {
			t.Errorf("%s %s is read by both %s and %s", what, name, other, field)
		}
		seen[strings.ToLower(name)] = field
	}
	typ := reflect.TypeFor[Settings]()
	for _, r := range table {
		top, sub, _ := strings.Cut(r.field, ".")
		f, ok := typ.FieldByName(top)
		if !ok {
			t.Errorf("row %s: Settings has no field %s", r.field, top)
			continue
		}
		if sub != "" {
			if _, ok := f.Type.FieldByName(sub); !ok {
				t.Errorf("row %s: %s has no field %s", r.field, f.Type, sub)
			}
		}
		rowFields[top] = true
		if r.doc == "" || r.kind == "" {
			t.Errorf("row %s: no documentation line or kind", r.field)
		}
		if r.fromEnv == nil && r.fromFile == nil && r.fromSecret == nil {
			t.Errorf("row %s: read from nowhere", r.field)
		}
		if (r.fromEnv != nil) != (len(r.env) > 0) || (r.fromFile != nil) != (len(r.keys) > 0) || (r.fromSecret != nil) != (r.secretKey != "") {
			t.Errorf("row %s: its variables, keys or Secret key do not match what it reads", r.field)
		}
		for _, e := range r.env {
			unique(env, "variable", e, r.field)
		}
		for _, k := range r.keys {
			unique(keys, "file key", k, r.field)
		}
		if r.secretKey != "" {
			unique(secretKeys, "Secret key", r.secretKey, r.field)
		}
		if r.show != "" {
			unique(shown, "shown name", r.show, r.field)
		}
		if r.inString && r.show == "" {
			t.Errorf("row %s: in String but not shown", r.field)
		}
	}
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		switch {
		case rowFields[name] && slices.Contains(notSettings, name):
			t.Errorf("field %s is both a setting and listed in notSettings", name)
		case !rowFields[name] && !slices.Contains(notSettings, name):
			t.Errorf("field Settings.%s is in no row of settingsTable (settings_table.go): declare it there, or list it in notSettings if it is no setting", name)
		}
	}
	for _, name := range notSettings {
		if _, ok := typ.FieldByName(name); !ok {
			t.Errorf("notSettings lists %s, which Settings does not have", name)
		}
	}
}

// TestSettingsTableParsers: every variable and file key of a number, a boolean or a duration
// refuses a value that is not one, naming the variable (and its value) or the key.
func TestSettingsTableParsers(t *testing.T) {
	noServiceAccount(t)
	dir := t.TempDir()
	for _, r := range settingsTable() {
		if r.kind != "int" && r.kind != "bool" && r.kind != "duration" {
			continue
		}
		for _, e := range r.env {
			t.Run(e, func(t *testing.T) {
				_, err := LoadSettings(testCtx(t), envFunc(map[string]string{e: "not one"}), nil)
				if err == nil || !strings.Contains(err.Error(), e+` "not one"`) {
					t.Fatalf("err = %v, want one naming %s and its value", err, e)
				}
			})
		}
		for _, k := range r.keys {
			t.Run(k, func(t *testing.T) {
				p := filepath.Join(dir, k+".yaml")
				if err := os.WriteFile(p, []byte(k+": [not, one]\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				_, err := LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_CONFIG": p}), nil)
				if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), k) {
					t.Fatalf("err = %v, want one naming the file and %s", err, k)
				}
			})
		}
	}
}

// TestSettingsFileKeys: every key of the table is accepted by the file (with an empty value,
// which leaves the default), keys are matched regardless of case as before, and unknown keys,
// at the top or in defaultPolicy, are refused.
func TestSettingsFileKeys(t *testing.T) {
	noServiceAccount(t)
	dir := t.TempDir()
	load := func(t *testing.T, body string) (*Settings, error) {
		t.Helper()
		p := filepath.Join(dir, "settings.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return LoadSettings(testCtx(t), envFunc(map[string]string{"RIGEL_CONFIG": p}), nil)
	}
	var all strings.Builder
	for _, r := range settingsTable() {
		for _, k := range r.keys {
			fmt.Fprintf(&all, "%s: null\n", k)
		}
	}
	got, err := load(t, all.String())
	if err != nil {
		t.Fatalf("a file of every key: %v", err)
	}
	want := defaultSettings()
	want.normalize()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("empty keys changed the defaults:\ngot  %s\nwant %s", got, want)
	}
	if got, err := load(t, "Workers: 3\nCOMMANDRATE: 0\n"); err != nil || got.Workers != 3 || got.CommandRate != 0 {
		t.Fatalf("keys in another case: %v, %+v", err, got)
	}
	for body, want := range map[string]string{
		"workrs: 3\n":                         `unknown field "workrs"`,
		"markerKey: 0123456789abcdef\n":       `unknown field "markerKey"`,
		"defaultPolicy:\n  namespace: [a]\n":  `unknown field "namespace"`,
		"workers: 3\nworkers: 4\n":            `"workers"`,
		"privateKey: a\nprivateKeyFile: /x\n": "set only one of privateKey and privateKeyFile",
		"leaseDuration: soon\n":               "leaseDuration",
		"- a list\n":                          "failed to parse config file",
	} {
		if _, err := load(t, body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

// TestSettingsTableSecret: each credential of the Secret fills its setting when empty and
// leaves it when set (by the environment or the file).
func TestSettingsTableSecret(t *testing.T) {
	key := testKey(t)
	data := map[string][]byte{
		SecretKeyAppID: []byte("7\n"), SecretKeyPrivateKey: key, SecretKeyWebhookSecret: []byte(hookValue + "\n"),
		SecretKeyToken: []byte(tokenValue), SecretKeyLogin: []byte("bot\r\n"), SecretKeyMarkerKey: []byte("marker-0123456789"),
		SecretKeyRepoWebhookSecretPrefix + "acme.shop": []byte("shop-0123456789abc\n"),
	}
	empty := &Settings{Namespace: "ns"}
	if err := empty.applySecret(data); err != nil {
		t.Fatal(err)
	}
	want := &Settings{
		Namespace: "ns", AppID: 7, PrivateKey: key, WebhookSecret: hookValue, Token: tokenValue, TokenLogin: "bot",
		MarkerKey: "marker-0123456789", RepoWebhookSecrets: map[string]string{"acme/shop": "shop-0123456789abc"},
	}
	if !reflect.DeepEqual(empty, want) {
		t.Fatalf("from an empty start:\ngot  %#v\nwant %#v", *empty, *want)
	}
	set := &Settings{Namespace: "ns", AppID: 1, PrivateKey: []byte("k"), WebhookSecret: "w", Token: "t", TokenLogin: "l", MarkerKey: "m"}
	before := *set
	if err := set.applySecret(data); err != nil {
		t.Fatal(err)
	}
	set.RepoWebhookSecrets = nil // they come only from the Secret
	if !reflect.DeepEqual(*set, before) {
		t.Fatalf("the Secret overrode set values: %#v", *set)
	}
	for _, r := range settingsTable() {
		if r.secretKey != "" && !r.redact && r.field != "AppID" && r.field != "TokenLogin" {
			t.Errorf("row %s comes from the Secret but is not redacted", r.field)
		}
	}
}

// TestSettingsTableRedactsEverySecret: with every secret row set to a value, no way of showing
// the settings prints it, and every shown secret reads "[redacted]".
func TestSettingsTableRedactsEverySecret(t *testing.T) {
	s := &Settings{
		PrivateKey: []byte("pk-SECRET-1"), WebhookSecret: "wh-SECRET-2", Token: "tk-SECRET-3", APIToken: "api-SECRET-4",
		MarkerKey: "mk-SECRET-5", RepoWebhookSecrets: map[string]string{"acme/shop": "repo-SECRET-6"},
	}
	var logged bytes.Buffer
	log := zerolog.New(&logged)
	log.Info().Object("s", s).Msg("")
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{logged.String(), string(js), s.String(), fmt.Sprintf("%#v", s)}
	for _, out := range outs {
		if strings.Contains(out, "SECRET") {
			t.Fatalf("leaks a secret: %s", out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, r := range settingsTable() {
		if r.redact && r.show != "" && back[r.show] != redacted {
			t.Errorf("%s shows as %v, want %s", r.show, back[r.show], redacted)
		}
	}
}
