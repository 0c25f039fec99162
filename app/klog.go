package app

import (
	"fmt"

	"github.com/go-logr/logr"
	"github.com/rs/zerolog"
	"k8s.io/klog/v2"
)

// RouteKlog sends what client-go logs through klog (leader election above all) to Rigel's
// JSON log instead of plain lines on stderr: klog's V(0) as info, its errors as warnings
// (client-go retries them), more verbose levels as debug. klog is global and not safe to
// change while clients run: call it once at start, before New.
func RouteKlog(log zerolog.Logger) {
	klog.SetLogger(logr.New(&klogSink{log: log.With().Str("source", "client-go").Logger()}))
}

// klogSink is a logr.LogSink writing to zerolog.
type klogSink struct {
	log zerolog.Logger
}

func (s *klogSink) Init(logr.RuntimeInfo) {}

func (s *klogSink) Enabled(level int) bool {
	return level == 0 || s.log.GetLevel() <= zerolog.DebugLevel
}

func (s *klogSink) Info(level int, msg string, kv ...any) {
	e := s.log.Debug()
	if level == 0 {
		e = s.log.Info()
	}
	fields(e, kv).Msg(msg)
}

func (s *klogSink) Error(err error, msg string, kv ...any) {
	fields(s.log.Warn().Err(err), kv).Msg(msg)
}

func (s *klogSink) WithValues(kv ...any) logr.LogSink {
	c := s.log.With()
	for i := 0; i+1 < len(kv); i += 2 {
		c = c.Interface(fmt.Sprint(kv[i]), kv[i+1])
	}
	return &klogSink{log: c.Logger()}
}

func (s *klogSink) WithName(name string) logr.LogSink {
	return &klogSink{log: s.log.With().Str("logger", name).Logger()}
}

func fields(e *zerolog.Event, kv []any) *zerolog.Event {
	for i := 0; i+1 < len(kv); i += 2 {
		e = e.Interface(fmt.Sprint(kv[i]), kv[i+1])
	}
	return e
}
