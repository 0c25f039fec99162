package githubclient

import (
	"context"
	"testing"
	"time"
)

// TestInstallationTokensAreRenewedBeforeTheyExpire: the fake GitHub hands out tokens valid for
// 62 s. ghinstallation renews a token once less than a minute is left, so within a few
// seconds both the API client and the git credentials move to a new token while the old one
// is still valid, and no request is refused for a stale token.
func TestInstallationTokensAreRenewedBeforeTheyExpire(t *testing.T) {
	gh, repo := fakeGitHub(t)
	gh.SetTokenExpiry(62 * time.Second)
	inst, err := appClients(t, gh).ForInstallation(gh.InstallationID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const tokens = "/app/installations/4242/access_tokens"
	_, first, err := inst.GitCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	firstMinted := time.Now()
	if _, err := inst.Comments(ctx, repo, 1); err != nil {
		t.Fatal(err)
	}
	minted := count(gh, "POST", tokens) // one for git, one for the API client
	if minted != 2 {
		t.Fatalf("%d tokens minted for the first calls, want 2", minted)
	}
	time.Sleep(2500 * time.Millisecond) // less than a minute of validity left from now on
	_, second, err := inst.GitCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Comments(ctx, repo, 1); err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("the git token was not renewed although it expires within a minute")
	}
	if got := count(gh, "POST", tokens); got != minted+2 {
		t.Fatalf("%d tokens minted in all, want %d: the API client did not renew its token", got, minted+2)
	}
	if left := 62*time.Second - time.Since(firstMinted); left < 50*time.Second {
		t.Fatalf("renewed only %s before the first token expired", left)
	}
	for _, r := range gh.Requests() {
		if r.Status == 401 {
			t.Errorf("%s %s was refused: %d", r.Method, r.Path, r.Status)
		}
	}
}
