package config

import (
	"context"
	"strings"
	"testing"
)

// settingCase is one value of a setting's variable and what Rigel makes of it.
type settingCase[T comparable] struct {
	env     string
	want    T
	wantErr string // part of the refusal, by LoadSettings or by Validate of what it loaded
}

// checkSetting loads the settings with variable set to each case's env and checks the field
// field points at, or that LoadSettings or Validate (of valid settings with that field) refuses
// the value with wantErr.
func checkSetting[T comparable](t *testing.T, variable string, field func(*Settings) *T, cases []settingCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), envFunc(map[string]string{variable: tc.env}), nil)
			if err == nil && tc.wantErr != "" {
				v := validApp(t)
				*field(v) = *field(s)
				err = v.Validate()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s=%q: err = %v, want %q", variable, tc.env, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := *field(s); got != tc.want {
				t.Fatalf("%s=%q: got %v, want %v", variable, tc.env, got, tc.want)
			}
		})
	}
}
