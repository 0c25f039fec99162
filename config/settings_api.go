package config

// The HTTP API's bearer token lives in its own Secret, so that handing out the API does not
// hand out the GitHub credentials (and the other way round).
const (
	APISecret         = "rigel-api" // in Rigel's namespace
	SecretKeyAPIToken = "api-token"
	// MinAPITokenLength: a shorter token is refused (the API stays off), as guessable.
	MinAPITokenLength = 16
)

// Credential modes: how Rigel authenticates to GitHub.
const (
	ModeApp   = "app"   // as a GitHub App (app id and private key)
	ModeToken = "token" // with a personal access token and its login
)

// CredentialMode is how these settings authenticate to GitHub: ModeApp as soon as an app id
// or a private key is set (they take precedence, as Validate checks them), ModeToken when a
// token or login is, "" when none is.
func (s *Settings) CredentialMode() string {
	switch {
	case s.AppID != 0 || len(s.PrivateKey) > 0:
		return ModeApp
	case s.Token != "" || s.TokenLogin != "":
		return ModeToken
	}
	return ""
}

// SecretCredentials reads the GitHub credentials a helmsman-github Secret's data holds, by
// the rules LoadSettings fills them with at start. Only the credential fields are set.
func SecretCredentials(namespace string, data map[string][]byte) (*Settings, error) {
	s := &Settings{Namespace: namespace}
	if err := s.applySecret(data); err != nil {
		return nil, err
	}
	return s, nil
}

// CheckPrivateKey reports why b is not a usable GitHub App private key (an RSA key in PEM),
// without quoting it.
func CheckPrivateKey(b []byte) error { return checkRSAKey(b) }
