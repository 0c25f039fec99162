package config

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGateSettings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	file := write("gates.yaml", "refuseMergeableStates: [Dirty, unstable, dirty]\nmergeableRetryWait: 250ms\n")
	empty := write("empty.yaml", "refuseMergeableStates: []\n")
	tests := []struct {
		name   string
		env    map[string]string
		states []string
		wait   time.Duration
	}{
		{"defaults", nil, []string{"dirty", "blocked", "behind", "unknown"}, time.Second},
		{"the file", map[string]string{"RIGEL_CONFIG": file}, []string{"dirty", "unstable"}, 250 * time.Millisecond},
		{"an empty list in the file refuses none", map[string]string{"RIGEL_CONFIG": empty}, []string{}, time.Second},
		{"the environment over the file", map[string]string{"RIGEL_CONFIG": file, "RIGEL_REFUSE_MERGEABLE_STATES": " behind ,BLOCKED,", "RIGEL_MERGEABLE_RETRY_WAIT": "2s"},
			[]string{"behind", "blocked"}, 2 * time.Second},
		{"none", map[string]string{"RIGEL_REFUSE_MERGEABLE_STATES": "none"}, []string{}, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), envFunc(tc.env), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.RefusedMergeableStates(); !reflect.DeepEqual(got, tc.states) || s.MergeableWait() != tc.wait {
				t.Fatalf("states %q wait %s; want %q %s", got, s.MergeableWait(), tc.states, tc.wait)
			}
			if p := s.gateProblems(); len(p) > 0 {
				t.Fatalf("problems: %v", p)
			}
			js := mustRedactedJSON(t, s)
			for _, st := range tc.states {
				if !strings.Contains(js, `"refuseMergeableStates":[`) || !strings.Contains(js, `"`+st+`"`) {
					t.Errorf("the shown settings lack %s: %s", st, js)
				}
			}
			if !strings.Contains(js, `"mergeableRetryWait":"`+tc.wait.String()+`"`) {
				t.Errorf("the shown settings lack the wait: %s", js)
			}
		})
	}
	t.Run("settings made by hand refuse the defaults", func(t *testing.T) {
		s := &Settings{}
		if got := s.RefusedMergeableStates(); !reflect.DeepEqual(got, DefaultRefuseMergeableStates) || s.MergeableWait() != DefaultMergeableRetryWait {
			t.Fatalf("states %q wait %s", got, s.MergeableWait())
		}
	})
	t.Run("bad values are refused", func(t *testing.T) {
		for _, tc := range []struct {
			env  map[string]string
			want string
		}{
			{map[string]string{"RIGEL_REFUSE_MERGEABLE_STATES": "dirty,conflicting"}, `"conflicting" is not a mergeable_state GitHub gives; use some of behind, blocked, clean, dirty, draft, has_hooks, unknown, unstable`},
			{map[string]string{"RIGEL_MERGEABLE_RETRY_WAIT": "1h"}, "RIGEL_MERGEABLE_RETRY_WAIT must be between 0"},
		} {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), envFunc(tc.env), nil)
			if err != nil {
				t.Fatal(err)
			}
			s.WebhookSecret, s.Token, s.TokenLogin = "x", "y", "z"
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate(%v) = %v, want %q", tc.env, err, tc.want)
			}
		}
		if _, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_MERGEABLE_RETRY_WAIT": "soon"}), nil); err == nil || !strings.Contains(err.Error(), "is not a duration") {
			t.Errorf("a bad wait: %v", err)
		}
	})
}
