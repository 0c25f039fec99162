package config

import (
	"testing"
	"time"
)

// TestPollIntervalSetting: RIGEL_POLL_INTERVAL (issue 12) is off by default, an unparsable
// value is refused when loading and a negative one by Validate.
func TestPollIntervalSetting(t *testing.T) {
	checkSetting(t, "RIGEL_POLL_INTERVAL", func(s *Settings) *time.Duration { return &s.PollInterval }, []settingCase[time.Duration]{
		{env: "", want: 0},
		{env: "0", want: 0},
		{env: "90s", want: 90 * time.Second},
		{env: "soon", wantErr: `RIGEL_POLL_INTERVAL "soon" is not a duration like 5m`},
		{env: "-1m", wantErr: "RIGEL_POLL_INTERVAL must be 0 (off) or positive, not -1m0s"},
	})
}
