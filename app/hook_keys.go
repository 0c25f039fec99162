package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"

	"github.com/google/go-github/v62/github"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/githubclient"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/ops"
)

// hookKeys says which secret a delivery must be signed with. A GitHub App signs every
// delivery with its one webhook secret. In token mode each repository's webhook is set up by
// hand, so each may have a secret of its own (Settings.RepoWebhookSecret): a delivery is
// verified with the secret of the repository it names, and one repository's secret cannot
// sign a delivery for another. The dispatcher knows a single secret, so in token mode the
// guard verifies the delivery itself and re-signs it with inner, a key that never leaves the
// process; a delivery that does not verify reaches the dispatcher unsigned and is refused
// there.
type hookKeys struct {
	s     *config.Settings
	inner string // token mode only; "" for an app
}

func newHookKeys(s *config.Settings) *hookKeys {
	k := &hookKeys{s: s}
	if !s.UsesApp() {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		k.inner = hex.EncodeToString(b)
	}
	return k
}

// dispatcherSecret is the secret the dispatcher verifies deliveries with.
func (k *hookKeys) dispatcherSecret() string {
	if k.inner != "" {
		return k.inner
	}
	return k.s.WebhookSecret
}

// secretFor is the secret a delivery with this body must be signed with. The repository is
// read as the handlers read it (repository.owner.login and repository.name), so the secret
// checked is the one of the repository acted on.
func (k *hookKeys) secretFor(contentType string, body []byte) string {
	if k.inner == "" {
		return k.s.WebhookSecret
	}
	var p struct {
		Repository *struct {
			Name  string `json:"name"`
			Owner struct {
				Login string `json:"login"`
			} `json:"owner"`
		} `json:"repository"`
	}
	if json.Unmarshal(payloadOf(contentType, body), &p) != nil || p.Repository == nil {
		return k.s.WebhookSecret
	}
	return k.s.RepoWebhookSecret(p.Repository.Owner.Login + "/" + p.Repository.Name)
}

// verified reports whether r's signature (X-Hub-Signature-256, else X-Hub-Signature) is
// body's under secret.
func verified(r *http.Request, body []byte, secret string) bool {
	sig := r.Header.Get(github.SHA256SignatureHeader)
	if sig == "" {
		sig = r.Header.Get(github.SHA1SignatureHeader)
	}
	return secret != "" && sig != "" && github.ValidateSignature(sig, body, []byte(secret)) == nil
}

// forward prepares r for the dispatcher: in token mode a verified body is re-signed with the
// inner key and an unverified one loses its signature. For an app r is left as it is.
func (k *hookKeys) forward(r *http.Request, body []byte, ok bool) {
	if k.inner == "" {
		return
	}
	r.Header.Del(github.SHA1SignatureHeader)
	r.Header.Del(github.SHA256SignatureHeader)
	if ok {
		mac := hmac.New(sha256.New, []byte(k.inner))
		mac.Write(body)
		r.Header.Set(github.SHA256SignatureHeader, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
}

// payloadOf is the JSON of a webhook body: the body itself, or the payload field of a form.
func payloadOf(contentType string, body []byte) []byte {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		return []byte(form.Get("payload"))
	}
	return body
}

// admission is what the service checks of a delivery's repository before anything runs
// (ops/admit.go): its clone URL on the git host; for an app, the installation GitHub names for
// it; with a token, that the repository is registered.
func admission(s *config.Settings, host gitsrc.Host, clients *githubclient.Clients) *ops.Admission {
	a := &ops.Admission{Host: host}
	if s.UsesApp() {
		a.Installation = clients.InstallationOf
	} else {
		a.RegisteredOnly = true
	}
	return a
}
