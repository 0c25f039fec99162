package config

import "fmt"

// The delivery queue (issue 14): deliveries accepted and waiting for a worker are bounded by
// the bytes of their payloads (RIGEL_QUEUE_BYTES), so that a burst of many small deliveries
// is taken and a few huge ones cannot exhaust the memory; RIGEL_QUEUE_SIZE caps their count
// besides. DefaultQueueBytes holds 1,000 deliveries of 25 KB (a large issue_comment).
const (
	DefaultQueueBytes = 64 << 20
	minQueueBytes     = 1 << 20
)

func queueBytesSetting() setting {
	return num("QueueBytes", "RIGEL_QUEUE_BYTES", "queueBytes", func(s *Settings) *int { return &s.QueueBytes }).
		defVal(DefaultQueueBytes).inStr().
		docs("the payload bytes of the deliveries waiting at most (when full the hook answers 503); one delivery larger than it is still taken when none waits")
}

// QueueByteBound is QueueBytes, or DefaultQueueBytes when zero (settings not made by
// LoadSettings).
func (s *Settings) QueueByteBound() int {
	if s.QueueBytes == 0 {
		return DefaultQueueBytes
	}
	return s.QueueBytes
}

// queueProblems checks the queue's bound.
func (s *Settings) queueProblems() []string {
	if s.QueueBytes != 0 && s.QueueBytes < minQueueBytes {
		return []string{fmt.Sprintf("RIGEL_QUEUE_BYTES must be at least %d (1 MiB), not %d", minQueueBytes, s.QueueBytes)}
	}
	return nil
}
