package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"k8s.io/klog/v2"
)

func TestRouteKlog(t *testing.T) {
	var buf bytes.Buffer
	RouteKlog(zerolog.New(&buf).Level(zerolog.InfoLevel))
	defer klog.ClearLogger()
	klog.Infof("attempting to acquire leader lease %s", "rigel/rigel-leader")
	klog.V(4).Info("chatty detail")
	klog.ErrorS(errors.New("connection refused"), "error retrieving resource lock", "lease", "rigel/rigel-leader")
	klog.Flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (the V(4) line dropped at info):\n%s", len(lines), buf.String())
	}
	for _, want := range []string{`"level":"info"`, `"source":"client-go"`, `"message":"attempting to acquire leader lease rigel/rigel-leader`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("info line lacks %s: %s", want, lines[0])
		}
	}
	for _, want := range []string{`"level":"warn"`, `"error":"connection refused"`, `"lease":"rigel/rigel-leader"`, `"message":"error retrieving resource lock"`} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("error line lacks %s: %s", want, lines[1])
		}
	}
}
