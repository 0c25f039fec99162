package config

import (
	"testing"
	"time"
)

// TestRedeliverSettings: RIGEL_REDELIVER_EVERY (issue 14) defaults to a minute, 0 turns
// redelivery off, and an unparsable, negative or sub-second value is refused;
// RIGEL_REDELIVER_RATE defaults to 10 a second and is refused outside 1–100.
func TestRedeliverSettings(t *testing.T) {
	checkSetting(t, "RIGEL_REDELIVER_EVERY", func(s *Settings) *time.Duration { return &s.RedeliverEvery }, []settingCase[time.Duration]{
		{env: "", want: DefaultRedeliverEvery},
		{env: "0", want: 0},
		{env: "30s", want: 30 * time.Second},
		{env: "often", wantErr: `RIGEL_REDELIVER_EVERY "often" is not a duration like 1m`},
		{env: "-1m", wantErr: "RIGEL_REDELIVER_EVERY must be 0 (off) or positive, not -1m0s"},
		{env: "10ms", wantErr: "RIGEL_REDELIVER_EVERY must be at least 1s (or 0: off), not 10ms"},
	})
	checkSetting(t, "RIGEL_REDELIVER_RATE", func(s *Settings) *int { return &s.RedeliverRate }, []settingCase[int]{
		{env: "", want: DefaultRedeliverRate},
		{env: "50", want: 50},
		{env: "lots", wantErr: `RIGEL_REDELIVER_RATE "lots" is not a number`},
		{env: "-1", wantErr: "RIGEL_REDELIVER_RATE must be between 1 and 100 redeliveries a second, not -1"},
		{env: "1000", wantErr: "RIGEL_REDELIVER_RATE must be between 1 and 100 redeliveries a second, not 1000"},
	})
	if got := (&Settings{}).RedeliveriesPerSecond(); got != DefaultRedeliverRate {
		t.Fatalf("RedeliveriesPerSecond of unset settings = %d, want %d", got, DefaultRedeliverRate)
	}
}
