package replica

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCauses(t *testing.T) {
	tests := []struct {
		name  string
		cause error
		text  string
		lost  bool
	}{
		{"shutdown", ErrShuttingDown, "Rigel was shutting down", false},
		{"lock lost", ErrLockLost, "the deployment's lock was lost", true},
		{"record lost, wrapped", fmt.Errorf("renewing: %w", ErrRecordLost), "the command's record was lost", true},
		{"another cause says itself", context.DeadlineExceeded, "context deadline exceeded", false},
		{"no cause", nil, "stopped", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CauseWords(tc.cause); got != tc.text {
				t.Errorf("CauseWords = %q, want %q", got, tc.text)
			}
			if got := Lost(tc.cause); got != tc.lost {
				t.Errorf("Lost = %v, want %v", got, tc.lost)
			}
		})
	}
	if errors.Is(ErrLockLost, ErrRecordLost) || errors.Is(ErrShuttingDown, ErrLockLost) {
		t.Fatal("the causes are not told apart")
	}
}
