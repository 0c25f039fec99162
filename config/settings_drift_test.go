package config

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestDriftIntervalSetting: RIGEL_DRIFT_INTERVAL defaults to 10m, 0 turns drift detection
// off, an unparsable value is refused when loading and a negative one by Validate.
func TestDriftIntervalSetting(t *testing.T) {
	tests := []struct {
		env     string
		want    time.Duration
		wantErr string
	}{
		{env: "", want: DefaultDriftInterval},
		{env: "0", want: 0},
		{env: "1s", want: time.Second},
		{env: "often", wantErr: `RIGEL_DRIFT_INTERVAL "often" is not a duration like 10m`},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			noServiceAccount(t)
			s, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_DRIFT_INTERVAL": tc.env}), nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.DriftInterval != tc.want {
				t.Fatalf("DriftInterval = %s, want %s", s.DriftInterval, tc.want)
			}
		})
	}
	s := validApp(t)
	s.DriftInterval = -time.Minute
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "RIGEL_DRIFT_INTERVAL must be 0 (off) or positive, not -1m0s") {
		t.Fatalf("Validate() = %v, want RIGEL_DRIFT_INTERVAL refused", err)
	}
}
