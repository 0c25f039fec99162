package ops

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	gosync "sync"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// Fakes of the account operations: the Secret helmsman-github in memory, and GitHub's
// verdict on tokens and apps.

// fakeCredentials is the Secret in memory; exists false until written (or seeded).
type fakeCredentials struct {
	mu     gosync.Mutex
	data   map[string][]byte
	exists bool
	getErr error // the cluster's answer to reads, when set
	forbid bool  // writes are forbidden
	writes int
}

func (f *fakeCredentials) Get(context.Context) (map[string][]byte, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return nil, false, f.getErr
	}
	return copyData(f.data), f.exists, nil
}

func (f *fakeCredentials) Update(_ context.Context, change func(map[string][]byte) error) (map[string][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return nil, fmt.Errorf("failed to read the Secret: %w", f.getErr)
	}
	data := copyData(f.data)
	if err := change(data); err != nil {
		return nil, err
	}
	if f.forbid {
		return nil, &config.SecretForbiddenError{Namespace: "rigel", Name: config.CredentialSecret, Err: errors.New(`secrets "helmsman-github" is forbidden`)}
	}
	f.data, f.exists = data, true
	f.writes++
	return copyData(data), nil
}

func copyData(d map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range d {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// fakeVerifier is GitHub: the tokens it accepts (token → login), the apps (id → PEM key).
type fakeVerifier struct {
	tokens map[string]string
	apps   map[int64][]byte
	asked  int
}

func (v *fakeVerifier) VerifyToken(_ context.Context, token string) (string, error) {
	v.asked++
	if login, ok := v.tokens[token]; ok {
		return login, nil
	}
	return "", errors.New("GitHub refuses the token (401 Bad credentials)")
}

func (v *fakeVerifier) VerifyApp(_ context.Context, appID int64, key []byte) (string, error) {
	v.asked++
	if k, ok := v.apps[appID]; ok && string(k) == string(key) {
		return fmt.Sprintf("app-%d[bot]", appID), nil
	}
	return "", fmt.Errorf("GitHub refuses app %d with this key (401)", appID)
}

// testKeys are two RSA private keys in PEM, made once.
var testKeys = gosync.OnceValue(func() [2][]byte {
	var out [2][]byte
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out[i] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	}
	return out
})

// accountService is a service running with run, its Secret holding data (nil: no Secret).
func accountService(t *testing.T, run *config.Settings, data map[string][]byte) (*Service, *fakeCredentials, *fakeVerifier) {
	t.Helper()
	svc, _, _, _ := newTestService(t)
	creds := &fakeCredentials{data: copyData(data), exists: data != nil}
	gh := &fakeVerifier{tokens: map[string]string{"ghp_goodToken123": "rigel-ops"}, apps: map[int64][]byte{42: testKeys()[0]}}
	svc.Credentials, svc.Verifier, svc.Running, svc.BotLogin = creds, gh, run, "rigel[bot]"
	return svc, creds, gh
}
