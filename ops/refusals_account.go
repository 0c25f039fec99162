package ops

import "fmt"

// The refusals of the account operations (account.go): credentials GitHub or Rigel does not
// accept, a change that would leave Rigel without a usable identity, a Secret that cannot be
// read as credentials or may not be written. None of them holds a credential: only logins,
// names and what was wrong. Nothing was changed.

// CredentialFault is what is wrong with credentials given to store.
type CredentialFault int

// What can be wrong with credentials.
const (
	TokenMalformed CredentialFault = iota + 1 // not a GitHub token (printable ASCII without spaces, 1–255)
	LoginMalformed                            // the login given is not a GitHub login (Login)
	TokenRefused                              // GitHub does not accept the token (Cause)
	TokenOfOther                              // the token is Owner's, not Login's
	AppIDMissing                              // no app id, or not positive
	KeyMalformed                              // the private key is not an RSA key in PEM (Cause)
	AppRefused                                // GitHub does not authenticate the app with the key (Cause)
)

// BadCredentials refuses credentials that are not well-formed or that GitHub does not accept.
type BadCredentials struct {
	Why   CredentialFault
	Login string // the login given (untrusted), for LoginMalformed and TokenOfOther
	Owner string // TokenOfOther: whose token GitHub says it is
	Cause error  // TokenRefused, KeyMalformed, AppRefused: what GitHub or the key check said
}

func (e *BadCredentials) Error() string {
	switch e.Why {
	case TokenMalformed:
		return "the token is missing or is not a GitHub token"
	case LoginMalformed:
		return fmt.Sprintf("%q is not a GitHub login", e.Login)
	case TokenOfOther:
		return fmt.Sprintf("the token belongs to %s, not %s", e.Owner, e.Login)
	case AppIDMissing:
		return "the app id is missing or not positive"
	case KeyMalformed:
		return fmt.Sprintf("the private key %v", e.Cause)
	}
	return fmt.Sprint(e.Cause) // TokenRefused, AppRefused: GitHub's answer says it
}

// Unwrap is what GitHub or the key check said, if anything.
func (e *BadCredentials) Unwrap() error { return e.Cause }

// Refused marks BadCredentials as a refusal.
func (e *BadCredentials) Refused() {}

// TokenUnused refuses to store a token in a Secret that holds a GitHub App's id and key: the
// app takes precedence, so the token would not be used.
type TokenUnused struct {
	Secret, Namespace string
	Login             string // the token's, as GitHub says
}

func (e *TokenUnused) Error() string {
	return fmt.Sprintf("the Secret %s/%s holds a GitHub App, which takes precedence over the token of %s", e.Namespace, e.Secret, e.Login)
}

// Refused marks TokenUnused as a refusal.
func (e *TokenUnused) Refused() {}

// LastIdentity refuses to remove the token when the Secret holds no GitHub App credentials:
// Rigel would have no GitHub identity and would not start.
type LastIdentity struct {
	Secret, Namespace string
}

func (e *LastIdentity) Error() string {
	return fmt.Sprintf("the Secret %s/%s holds no GitHub App credentials: the token is Rigel's only identity", e.Namespace, e.Secret)
}

// Refused marks LastIdentity as a refusal.
func (e *LastIdentity) Refused() {}

// CredentialsBroken: the Secret holds keys that cannot be read as credentials (a restart would
// fail on them), so what it holds cannot be told.
type CredentialsBroken struct {
	Secret, Namespace string
	Cause             error // what is wrong (config.SecretCredentials); names keys, never values
}

func (e *CredentialsBroken) Error() string {
	return fmt.Sprintf("the Secret %s/%s is broken: %v", e.Namespace, e.Secret, e.Cause)
}

func (e *CredentialsBroken) Unwrap() error { return e.Cause }

// Refused marks CredentialsBroken as a refusal.
func (e *CredentialsBroken) Refused() {}

// CredentialsReadOnly: the cluster does not let Rigel write the Secret (its Role needs
// `update` on it; Rigel cannot create it).
type CredentialsReadOnly struct {
	Secret, Namespace string
	Cause             error
}

func (e *CredentialsReadOnly) Error() string {
	return fmt.Sprintf("Rigel may not write the Secret %s/%s: %v", e.Namespace, e.Secret, e.Cause)
}

func (e *CredentialsReadOnly) Unwrap() error { return e.Cause }

// Refused marks CredentialsReadOnly as a refusal.
func (e *CredentialsReadOnly) Refused() {}
