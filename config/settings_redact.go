package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

const redacted = "[redacted]"

// Settings are shown (String, fmt, JSON, zerolog) through the table of settings
// (settings_table.go): the rows with a name to be shown under, secrets replaced by
// "[redacted]" when set and "" when not.

// shownSetting is one setting as it may be shown.
type shownSetting struct {
	name     string // JSON and log name
	field    string // Go field name (String)
	inString bool
	value    any // string, int, int64, bool, time.Duration, []string, map[string]string, *Policy
}

func hide(set bool) string {
	if set {
		return redacted
	}
	return ""
}

// isSet says whether a secret's value is set.
func isSet(v any) bool {
	switch v := v.(type) {
	case string:
		return v != ""
	case []byte:
		return len(v) > 0
	case nil:
		return false
	}
	panic(fmt.Sprintf("config: a secret setting of type %T", v))
}

// shown lists the settings shown, in the table's order, with secrets redacted; omitted ones
// (a nil value) left out.
func (s Settings) shown() []shownSetting {
	var out []shownSetting
	for _, r := range settingsTable() {
		if r.show == "" || r.value == nil {
			continue
		}
		v := r.value(&s)
		if r.redact {
			v = hide(isSet(v))
		}
		if v == nil {
			continue
		}
		out = append(out, shownSetting{name: r.show, field: r.field, inString: r.inString, value: v})
	}
	return out
}

// String shows the settings with credentials redacted.
func (s Settings) String() string {
	var b strings.Builder
	b.WriteString("Settings{")
	first := true
	for _, v := range s.shown() {
		if !v.inString {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		switch x := v.value.(type) {
		case string:
			fmt.Fprintf(&b, "%s:%q", v.field, x)
		case time.Duration:
			fmt.Fprintf(&b, "%s:%s", v.field, x)
		default:
			fmt.Fprintf(&b, "%s:%v", v.field, x)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// GoString makes %#v redact too.
func (s Settings) GoString() string { return "config." + s.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %d, ...) print the redacted form.
func (s Settings) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// MarshalJSON encodes the settings with credentials redacted; durations as Go durations
// ("2m0s").
func (s Settings) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range s.shown() {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(v.name)
		if err != nil {
			return nil, err
		}
		val := v.value
		if d, ok := val.(time.Duration); ok {
			val = d.String()
		}
		js, err := json.Marshal(val)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %w", v.name, err)
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(js)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalZerologObject logs the settings with credentials redacted:
// log.Info().Object("settings", s).
func (s Settings) MarshalZerologObject(e *zerolog.Event) {
	for _, v := range s.shown() {
		switch x := v.value.(type) {
		case string:
			e.Str(v.name, x)
		case int:
			e.Int(v.name, x)
		case int64:
			e.Int64(v.name, x)
		case bool:
			e.Bool(v.name, x)
		case time.Duration:
			e.Str(v.name, x.String())
		case []string:
			e.Strs(v.name, x)
		default:
			e.Interface(v.name, x)
		}
	}
}
