package config

import (
	"context"
	"strings"
	"testing"
)

func TestQueueBytesSetting(t *testing.T) {
	for _, c := range []struct {
		env     string
		want    int
		problem string
	}{
		{"", DefaultQueueBytes, ""},
		{"134217728", 128 << 20, ""},
		{"1048576", 1 << 20, ""},
		{"1000", 1000, "RIGEL_QUEUE_BYTES must be at least"},
	} {
		s, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_QUEUE_BYTES": c.env}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.QueueBytes != c.want {
			t.Errorf("RIGEL_QUEUE_BYTES=%q: %d, want %d", c.env, s.QueueBytes, c.want)
		}
		got := strings.Join(s.queueProblems(), "; ")
		if (c.problem == "") != (got == "") || !strings.Contains(got, c.problem) {
			t.Errorf("RIGEL_QUEUE_BYTES=%q: problems %q, want %q", c.env, got, c.problem)
		}
	}
	if _, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_QUEUE_BYTES": "64Mi"}), nil); err == nil {
		t.Error("RIGEL_QUEUE_BYTES=64Mi: no error, want one (a number of bytes)")
	}
}
