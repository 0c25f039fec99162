package config

import (
	"fmt"
	"net/url"
)

// SecretValues are the values of every secret setting that is set (the table's redacted rows:
// the webhook secret, the private key, tokens…), for withholding them from text sent out of
// Rigel (the optional model of `/rigel fix`, issue 16).
func (s *Settings) SecretValues() []string {
	var out []string
	for _, r := range settingsTable() {
		if !r.redact || r.value == nil {
			continue
		}
		switch v := r.value(s).(type) {
		case string:
			if v != "" {
				out = append(out, v)
			}
		case []byte:
			if len(v) > 0 {
				out = append(out, string(v))
			}
		case map[string]string:
			for _, x := range v {
				out = append(out, x)
			}
		}
	}
	return out
}

// modelProblems are what is wrong with the model's settings: a URL needs a name, and is an
// http(s) URL without credentials (the key goes in RIGEL_MODEL_KEY_FILE).
func (s *Settings) modelProblems() []string {
	var out []string
	if s.ModelURL == "" {
		if s.ModelName != "" || s.ModelKeyFile != "" {
			out = append(out, "RIGEL_MODEL_NAME and RIGEL_MODEL_KEY_FILE need RIGEL_MODEL_URL, the model's API")
		}
		return out
	}
	u, err := url.Parse(s.ModelURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		out = append(out, "RIGEL_MODEL_URL is not an http(s) URL, like https://api.openai.com/v1")
	case u.User != nil:
		out = append(out, "RIGEL_MODEL_URL must not hold credentials: put the key in a file named by RIGEL_MODEL_KEY_FILE")
	}
	if s.ModelName == "" {
		out = append(out, "RIGEL_MODEL_URL needs RIGEL_MODEL_NAME, the model to ask")
	}
	if s.ModelTimeout < 0 {
		out = append(out, fmt.Sprintf("RIGEL_MODEL_TIMEOUT must be positive, not %s", s.ModelTimeout))
	}
	return out
}
