package gitsrc

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

const testToken = "ghs_TESTTOKEN0123456789abcdef"

var (
	gitServer *testenv.GitServer
	gitHost   Host // the git server's, the only host Sources of the tests talk to
)

func TestMain(m *testing.M) {
	gs, err := testenv.StartGitServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gs.AllowToken(testToken)
	gitServer = gs
	if gitHost, err = ParseHost(gs.URL()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	gs.Stop()
	os.Exit(code)
}

var repoCounter atomic.Int64

// newRepo creates a repository of its own for the test on the git server.
func newRepo(t *testing.T, files map[string]string) (fullName, sha string) {
	t.Helper()
	fullName = fmt.Sprintf("acme/repo-%d", repoCounter.Add(1))
	sha, err := gitServer.CreateRepo(fullName, "main", files)
	if err != nil {
		t.Fatal(err)
	}
	return fullName, sha
}

func tokenFunc(tok string) func(context.Context) (string, string, error) {
	return func(context.Context) (string, string, error) { return "x-access-token", tok, nil }
}

func request(repo, ref, commit string) FetchRequest {
	return FetchRequest{Repo: repo, CloneURL: gitServer.CloneURL(repo), Ref: ref, Commit: commit, Token: tokenFunc(testToken)}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustCommit(t *testing.T, repo, branch string, files map[string]string, msg string) string {
	t.Helper()
	sha, err := gitServer.Commit(repo, branch, files, msg)
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

func mustFetch(t *testing.T, src *Source, req FetchRequest) *Snapshot {
	t.Helper()
	snap, err := src.Fetch(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func readFile(t *testing.T, snap *Snapshot, name string) string {
	t.Helper()
	b, err := snap.ReadFile(name)
	if err != nil {
		t.Fatalf("read %s at %s: %v", name, short(snap.Commit), err)
	}
	return string(b)
}
