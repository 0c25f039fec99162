package config

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPollIntervalSetting: RIGEL_POLL_INTERVAL (issue 12) is off by default, an unparsable
// value is refused when loading and a negative one by Validate.
func TestPollIntervalSetting(t *testing.T) {
	tests := []struct {
		env     string
		want    time.Duration
		wantErr string
	}{
		{env: "", want: 0},
		{env: "0", want: 0},
		{env: "90s", want: 90 * time.Second},
		{env: "soon", wantErr: `RIGEL_POLL_INTERVAL "soon" is not a duration like 5m`},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_POLL_INTERVAL": tc.env}), nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.PollInterval != tc.want {
				t.Fatalf("PollInterval = %s, want %s", s.PollInterval, tc.want)
			}
		})
	}
	s := validApp(t)
	s.PollInterval = -time.Minute
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "RIGEL_POLL_INTERVAL must be 0 (off) or positive, not -1m0s") {
		t.Fatalf("Validate() = %v, want RIGEL_POLL_INTERVAL refused", err)
	}
}
