package config

import (
	"fmt"
	"time"
)

// Redelivery of failed webhook deliveries (issue 14): every RedeliverEvery the leader reads
// the app's webhook delivery log and asks GitHub to redeliver the deliveries that failed
// (RIGEL_REDELIVER_EVERY, file redeliverEvery; default DefaultRedeliverEvery, 0: off), at
// most RedeliverRate a second (RIGEL_REDELIVER_RATE, file redeliverRate; default
// DefaultRedeliverRate). It needs a GitHub App: with a token it is off.
const (
	DefaultRedeliverEvery = time.Minute
	DefaultRedeliverRate  = 10
)

// RedeliveriesPerSecond is RedeliverRate, or DefaultRedeliverRate when not positive
// (settings not made by LoadSettings).
func (s *Settings) RedeliveriesPerSecond() int {
	if s.RedeliverRate <= 0 {
		return DefaultRedeliverRate
	}
	return s.RedeliverRate
}

// redeliverEverySetting and redeliverRateSetting are the rows of the settings table.
func redeliverEverySetting() setting {
	return dur("RedeliverEvery", "RIGEL_REDELIVER_EVERY", "redeliverEvery", "1m", func(s *Settings) *time.Duration { return &s.RedeliverEvery }).
		defVal(DefaultRedeliverEvery).docs("how often the leader asks GitHub to redeliver the webhook deliveries that failed (503, 5xx, timeouts; GitHub App only); 0: never")
}

func redeliverRateSetting() setting {
	return num("RedeliverRate", "RIGEL_REDELIVER_RATE", "redeliverRate", func(s *Settings) *int { return &s.RedeliverRate }).
		defVal(DefaultRedeliverRate).docs("redeliveries the leader asks of GitHub a second at most")
}

// redeliverProblems checks the redelivery settings.
func (s *Settings) redeliverProblems() []string {
	var out []string
	if s.RedeliverEvery < 0 {
		out = append(out, fmt.Sprintf("RIGEL_REDELIVER_EVERY must be 0 (off) or positive, not %s", s.RedeliverEvery))
	} else if s.RedeliverEvery > 0 && s.RedeliverEvery < time.Second {
		out = append(out, fmt.Sprintf("RIGEL_REDELIVER_EVERY must be at least 1s (or 0: off), not %s", s.RedeliverEvery))
	}
	if s.RedeliverRate < 0 || s.RedeliverRate > 100 { // 0: the default
		out = append(out, fmt.Sprintf("RIGEL_REDELIVER_RATE must be between 1 and 100 redeliveries a second, not %d", s.RedeliverRate))
	}
	return out
}
