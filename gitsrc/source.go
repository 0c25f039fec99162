package gitsrc

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/rs/zerolog"
)

// Source fetches commits into a cache of bare repositories. It is safe for concurrent use.
type Source struct {
	cacheDir string
	host     Host // the only host fetches and pushes go to (host.go)

	mu    sync.Mutex
	locks map[string]chan struct{} // per repo dir: a 1-slot semaphore

	cache repoCache // sizes, last uses and the bound (cache.go)
}

// New returns a Source caching repositories under cacheDir (created when missing) that
// fetches from and pushes to host only: a request for a clone URL elsewhere fails with a
// *HostError before anything is sent or a credential is asked for. A zero host refuses every
// clone URL.
func New(cacheDir string, host Host) *Source {
	return &Source{cacheDir: cacheDir, host: host, locks: map[string]chan struct{}{}, cache: repoCache{opts: CacheOptions{InUseFor: DefaultInUseFor}}}
}

// Host is the git host the Source talks to.
func (s *Source) Host() Host { return s.host }

// FetchRequest says what to fetch.
type FetchRequest struct {
	Repo     string // "owner/name"
	CloneURL string // https://github.com/owner/name.git; must not carry credentials
	Ref      string // "refs/heads/main", "refs/pull/7/head" ("main" means refs/heads/main); may be empty when Commit is set
	Commit   string // optional: the exact 40-hex SHA wanted (else the ref's tip)
	// Token returns basic-auth credentials (for a GitHub App installation token:
	// "x-access-token", token). nil means anonymous.
	Token func(ctx context.Context) (username, password string, err error)
}

// Fetch returns a snapshot of req.Commit, or of the tip of req.Ref when Commit is empty.
// A commit already in the cache is served without network access. When the ref no longer
// points at Commit, the commit is fetched by SHA; when the server does not have it either,
// the error is a *CommitMissingError. Fetch errors are *FetchError and never contain the
// token.
func (s *Source) Fetch(ctx context.Context, req FetchRequest) (*Snapshot, error) {
	dir, err := repoDir(s.cacheDir, req.Repo)
	if err != nil {
		return nil, err
	}
	if err := s.checkRequest(&req); err != nil {
		return nil, err
	}
	unlock, err := s.lock(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("failed to fetch %s: waiting for another fetch: %w", req.Repo, err)
	}
	defer unlock()

	start := time.Now()
	log := zerolog.Ctx(ctx).With().Str("ref", req.Ref).Str("commit", req.Commit).Logger()
	if s.stale(dir) { // cache.go: too many loose objects, start again from one pack
		log.Info().Msg("fetching the repository again from scratch: too many loose objects")
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("failed to reset cache of %s: %w", req.Repo, err)
		}
		s.forget(dir)
	}
	changed := true
	defer func() { s.used(ctx, dir, changed) }() // cache.go
	f, err := openFetcher(ctx, dir, req)
	if err != nil {
		return nil, err
	}
	if req.Commit != "" && f.hasCommit(req.Commit) {
		changed = false
		log.Debug().Msg("commit already cached")
		return openSnapshot(dir, req.Commit)
	}
	if err := f.authenticate(ctx); err != nil {
		return nil, err
	}
	sha, err := f.resolve(ctx)
	if err != nil {
		return nil, err
	}
	log.Debug().Str("resolved", sha).Dur("took", time.Since(start)).Msg("fetched")
	return openSnapshot(dir, sha)
}

// checkRequest validates req and normalizes its Ref. A clone URL off the Source's host is a
// *HostError: refused outright, not fetched anonymously.
func (s *Source) checkRequest(req *FetchRequest) error {
	if req.CloneURL == "" {
		return fmt.Errorf("failed to fetch %s: no clone URL", req.Repo)
	}
	u, err := url.Parse(req.CloneURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("failed to fetch %s: clone URL is not an http(s) URL", req.Repo)
	}
	if u.User != nil {
		return fmt.Errorf("failed to fetch %s: clone URL must not carry credentials", req.Repo) // the URL is not quoted on purpose
	}
	if err := s.host.Check(req.Repo, req.CloneURL); err != nil {
		return err
	}
	if req.Commit != "" {
		req.Commit = strings.ToLower(req.Commit)
		if !commitSHA.MatchString(req.Commit) {
			return fmt.Errorf("failed to fetch %s: commit %q is not a full 40-hex SHA", req.Repo, req.Commit)
		}
	}
	if req.Ref == "" {
		if req.Commit == "" {
			return fmt.Errorf("failed to fetch %s: no ref and no commit", req.Repo)
		}
		return nil
	}
	ref, err := fullRef(req.Ref)
	if err != nil {
		return fmt.Errorf("failed to fetch %s: %w", req.Repo, err)
	}
	req.Ref = ref
	return nil
}

// sem is dir's lock: a 1-slot semaphore.
func (s *Source) sem(dir string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.locks[dir]
	if !ok {
		ch = make(chan struct{}, 1)
		s.locks[dir] = ch
	}
	return ch
}

// lock serializes work on one repo dir; waiting gives up when ctx ends.
func (s *Source) lock(ctx context.Context, dir string) (func(), error) {
	ch := s.sem(dir)
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tryLock takes dir's lock when it is free.
func (s *Source) tryLock(dir string) (func(), bool) {
	ch := s.sem(dir)
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	default:
		return nil, false
	}
}

// basicAuth asks req.Token for credentials; nil Token means anonymous.
func basicAuth(ctx context.Context, req FetchRequest) (transport.AuthMethod, string, error) {
	if req.Token == nil {
		return nil, "", nil
	}
	user, pass, err := req.Token(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("failed to fetch %s: failed to get a token: %w", req.Repo, err)
	}
	if user == "" {
		user = "x-access-token"
	}
	return &githttp.BasicAuth{Username: user, Password: pass}, pass, nil
}
