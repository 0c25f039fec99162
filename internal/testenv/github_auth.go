package testenv

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// AddPAT makes token a valid personal access token of user login.
func (gh *GitHub) AddPAT(token, login string) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.tokens[token] = &identity{Login: login, Type: "User"}
	if gh.gs != nil {
		gh.gs.AllowToken(token)
	}
}

// ExpireTokens makes every installation token minted so far invalid, for the API and git.
func (gh *GitHub) ExpireTokens() {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	for tok, id := range gh.tokens {
		if id.Inst {
			delete(gh.tokens, tok)
			if gh.gs != nil {
				gh.gs.RevokeToken(tok)
			}
		}
	}
}

// authenticate checks the Authorization header: App JWTs for the /app endpoints and the
// repository installation lookup, installation tokens or PATs for everything else.
func (gh *GitHub) authenticate(r *http.Request, op *apiOperation) (*identity, string) {
	if op.ID == "apps/create-from-manifest" {
		return &identity{Login: "anonymous"}, "" // the code is the credential (github_manifest.go)
	}
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	if h == "" || cred == "" {
		return nil, "Requires authentication"
	}
	if !strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "bearer") {
		return nil, "Bad credentials"
	}
	needsJWT := strings.HasPrefix(op.Template, "/app") || op.ID == "apps/get-repo-installation"
	if needsJWT {
		app, err := gh.verifyJWT(cred)
		if err != nil {
			return nil, "A JSON web token could not be decoded: " + err.Error()
		}
		return &identity{Login: "app", App: true, AppID: app}, ""
	}
	gh.mu.Lock()
	defer gh.mu.Unlock()
	id := gh.tokens[cred]
	if id == nil || (!id.Exp.IsZero() && time.Now().After(id.Exp)) {
		return nil, "Bad credentials"
	}
	return id, ""
}

// verifyJWT checks an RS256 App JWT: signature by the key of the app iss names (the fake's
// own, or one created from a manifest: app is then its id), and a valid iat/exp window of at
// most 10 minutes as GitHub requires.
func (gh *GitHub) verifyJWT(tok string) (app int64, _ error) {
	err := gh.checkJWT(tok, &app)
	return app, err
}

func (gh *GitHub) checkJWT(tok string, app *int64) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("bad header encoding")
	}
	var h struct{ Alg string }
	if err := json.Unmarshal(hdr, &h); err != nil || h.Alg != "RS256" {
		return fmt.Errorf("alg must be RS256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("bad signature encoding")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("bad payload encoding")
	}
	var claims struct {
		Iss any     `json:"iss"`
		Iat float64 `json:"iat"`
		Exp float64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return fmt.Errorf("bad claims")
	}
	pub, created := gh.appKey(fmt.Sprint(claims.Iss))
	if pub == nil {
		return fmt.Errorf("'Issuer' claim ('iss') must be the App id %d, got %v", gh.AppID, claims.Iss)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("signature does not match the App's key")
	}
	*app = created
	now := float64(time.Now().Unix())
	switch {
	case claims.Exp == 0 || claims.Iat == 0:
		return fmt.Errorf("'iat' and 'exp' claims are required")
	case claims.Exp <= now:
		return fmt.Errorf("'Expiration time' claim ('exp') must be in the future")
	case claims.Exp-now > 11*60:
		return fmt.Errorf("'Expiration time' claim ('exp') is too far in the future")
	case claims.Iat > now+60:
		return fmt.Errorf("'Issued at' claim ('iat') must be in the past")
	}
	return nil
}

// mintToken creates an installation token of the fake's app limited to repos (all when empty).
func (gh *GitHub) mintToken(repos []string) (string, time.Time) {
	return gh.mintTokenOf(nil, repos)
}

// mintTokenOf creates an installation token of app (nil: the fake's own) limited to repos.
func (gh *GitHub) mintTokenOf(app *CreatedApp, repos []string) (string, time.Time) {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	tok := "ghs_" + hex.EncodeToString(b)
	gh.mu.Lock()
	exp := time.Now().Add(gh.tokenExpiry).UTC().Truncate(time.Second)
	gh.mu.Unlock()
	id := &identity{Login: gh.BotLogin(), Type: "Bot", Inst: true, Exp: exp}
	if app != nil {
		id.Login, id.AppID = app.BotLogin(), app.ID
	}
	if len(repos) > 0 {
		id.Repos = map[string]bool{}
		for _, r := range repos {
			id.Repos[strings.ToLower(r)] = true
		}
	}
	gh.mu.Lock()
	gh.tokens[tok] = id
	gh.mu.Unlock()
	if gh.gs != nil {
		gh.gs.AllowToken(tok)
	}
	return tok, exp
}
