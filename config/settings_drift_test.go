package config

import (
	"testing"
	"time"
)

// TestDriftIntervalSetting: RIGEL_DRIFT_INTERVAL defaults to 10m, 0 turns drift detection
// off, an unparsable value is refused when loading and a negative one by Validate.
func TestDriftIntervalSetting(t *testing.T) {
	checkSetting(t, "RIGEL_DRIFT_INTERVAL", func(s *Settings) *time.Duration { return &s.DriftInterval }, []settingCase[time.Duration]{
		{env: "", want: DefaultDriftInterval},
		{env: "0", want: 0},
		{env: "1s", want: time.Second},
		{env: "often", wantErr: `RIGEL_DRIFT_INTERVAL "often" is not a duration like 10m`},
		{env: "-1m", wantErr: "RIGEL_DRIFT_INTERVAL must be 0 (off) or positive, not -1m0s"},
	})
}
