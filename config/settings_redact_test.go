package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestSettingsRedacted(t *testing.T) {
	s := validApp(t)
	s.Token, s.TokenLogin = tokenValue, "rigel-bot"
	keyLine := strings.Split(string(s.PrivateKey), "\n")[1] // a line of base64 key material

	var logged bytes.Buffer
	log := zerolog.New(&logged)
	log.Info().Object("settings", s).Msg("object")
	log.Info().Object("settings", *s).Msg("value")
	log.Info().Interface("settings", s).Msg("interface")
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}

	outputs := map[string]string{
		"zerolog": logged.String(),
		"json":    string(js),
		"String":  s.String(),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outputs[verb] = fmt.Sprintf(verb, s)
		outputs[verb+" value"] = fmt.Sprintf(verb, *s)
	}
	outputs["in struct"] = fmt.Sprintf("%+v", struct{ S Settings }{*s})
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			for _, secret := range []string{hookValue, tokenValue, keyLine, "PRIVATE KEY"} {
				if strings.Contains(out, secret) {
					t.Fatalf("output leaks %q:\n%s", secret, out)
				}
			}
		})
	}
	for _, name := range []string{"zerolog", "json", "String", "%v"} {
		out := outputs[name]
		if !strings.Contains(out, "rigel-bot") || !strings.Contains(out, redacted) || !strings.Contains(out, "https://api.github.com/") {
			t.Errorf("%s output lost the non-secret settings or the redaction marker:\n%s", name, out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back["webhookSecret"] != redacted || back["token"] != redacted || back["privateKey"] != redacted || back["appID"] != float64(12) {
		t.Fatalf("json = %s", js)
	}
	s.Token = ""
	if js, _ := json.Marshal(s); !strings.Contains(string(js), `"token":""`) {
		t.Fatalf("an unset secret must show as empty: %s", js)
	}
}
