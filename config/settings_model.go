package config

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
