package gitsrc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/rs/zerolog"
)

// fetcher fetches into one cached bare repository; used under the repo's lock.
type fetcher struct {
	req    FetchRequest
	dir    string
	repo   *git.Repository
	remote *git.Remote
	auth   transport.AuthMethod
	secret string // the password, removed from error messages
}

// openFetcher opens the bare repository in dir, creating it (or recreating a broken one).
func openFetcher(ctx context.Context, dir string, req FetchRequest) (*fetcher, error) {
	repo, err := openBare(dir)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("recreating broken repository cache")
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			return nil, fmt.Errorf("failed to reset cache of %s: %w", req.Repo, rmErr)
		}
		if repo, err = openBare(dir); err != nil {
			return nil, fmt.Errorf("failed to open cache of %s: %w", req.Repo, err)
		}
	}
	remote := git.NewRemote(repo.Storer, &gitconfig.RemoteConfig{Name: "origin", URLs: []string{req.CloneURL}})
	return &fetcher{req: req, dir: dir, repo: repo, remote: remote}, nil
}

func newStorage(dir string) *filesystem.Storage {
	return filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRU(8*cache.MiByte), filesystem.Options{})
}

// openBare opens the bare repository in dir, initializing it when dir holds none.
func openBare(dir string) (*git.Repository, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		return git.Init(newStorage(dir), nil)
	}
	return git.Open(newStorage(dir), nil)
}

func (f *fetcher) authenticate(ctx context.Context) error {
	auth, secret, err := basicAuth(ctx, f.req)
	if err != nil {
		return err
	}
	f.auth, f.secret = auth, secret
	return nil
}

// hasCommit reports whether the commit and its tree are in the cache.
func (f *fetcher) hasCommit(sha string) bool {
	c, err := object.GetCommit(f.repo.Storer, plumbing.NewHash(sha))
	if err != nil {
		return false
	}
	_, err = c.Tree()
	return err == nil
}

// resolve fetches what the request needs and returns the commit to snapshot.
func (f *fetcher) resolve(ctx context.Context) (string, error) {
	req := f.req
	if req.Ref != "" {
		tip, err := f.fetchRef(ctx)
		switch {
		case err == nil && req.Commit == "":
			return tip, nil
		case err == nil && (tip == req.Commit || f.hasCommit(req.Commit)):
			return req.Commit, nil
		case err != nil && (req.Commit == "" || !errors.Is(err, git.NoMatchingRefSpecError{})):
			return "", err
		}
		// The ref moved on (or is gone): ask for the commit itself.
	}
	if err := f.fetchCommit(ctx); err != nil {
		return "", err
	}
	if !f.hasCommit(req.Commit) {
		return "", &CommitMissingError{Repo: req.Repo, Commit: req.Commit}
	}
	return req.Commit, nil
}

// fetchRef fetches req.Ref (depth 1) into its tracking ref and returns the tip.
func (f *fetcher) fetchRef(ctx context.Context) (string, error) {
	dst := trackingRef(f.req.Ref)
	spec := gitconfig.RefSpec("+" + f.req.Ref + ":" + dst)
	if err := f.fetch(ctx, spec); err != nil {
		if errors.Is(err, git.NoMatchingRefSpecError{}) {
			fe := newFetchError(f.req.Repo, f.req.Ref, err, f.secret)
			fe.msg = "no such ref on the server"
			return "", fe
		}
		return "", newFetchError(f.req.Repo, f.req.Ref, err, f.secret)
	}
	ref, err := f.repo.Storer.Reference(plumbing.ReferenceName(dst))
	if err != nil {
		return "", fmt.Errorf("failed to read %s of %s after fetching: %w", dst, f.req.Repo, err)
	}
	return ref.Hash().String(), nil
}

// fetchCommit fetches req.Commit by SHA (depth 1). A server that answers but does not have
// the commit gives a *CommitMissingError.
func (f *fetcher) fetchCommit(ctx context.Context) error {
	sha := f.req.Commit
	spec := gitconfig.RefSpec("+" + sha + ":" + commitRef(sha))
	err := f.fetch(ctx, spec)
	if err == nil {
		return nil
	}
	if isMissingObject(err) || errors.Is(err, git.ErrExactSHA1NotSupported) {
		return &CommitMissingError{Repo: f.req.Repo, Commit: sha}
	}
	return newFetchError(f.req.Repo, "commit "+short(sha), err, f.secret)
}

func (f *fetcher) fetch(ctx context.Context, spec gitconfig.RefSpec) error {
	var remote *git.Remote
	if f.holdsCommits() { // thinpack.go: only new objects come, stored loose
		remote = git.NewRemote(thinStorer{f.repo.Storer}, f.remote.Config())
	} else { // indexpack.go: one pack, indexed in one pass
		remote = git.NewRemote(packStorer{Storer: f.repo.Storer, dir: f.dir}, f.remote.Config())
		defer f.reindex()
	}
	err := remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: []gitconfig.RefSpec{spec},
		Depth:    1,
		Auth:     f.auth,
		Tags:     git.NoTags,
		Force:    true,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// reindex makes the repository's storage see the packs added by packStorer.
func (f *fetcher) reindex() {
	if st, ok := f.repo.Storer.(*filesystem.Storage); ok {
		st.Reindex()
	}
}

// holdsCommits reports whether the cache has a commit a thin pack could be made against:
// go-git's fetch sends a ref's commit as a "have" (a shallow root commit is not in the
// shallow file, so refs are asked, not that file).
func (f *fetcher) holdsCommits() bool {
	refs, err := f.repo.Storer.IterReferences()
	if err != nil {
		return true // the thin path is correct either way; only slower for a big pack
	}
	defer refs.Close()
	found := false
	_ = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference && f.repo.Storer.HasEncodedObject(r.Hash()) == nil {
			found = true
			return storer.ErrStop
		}
		return nil
	})
	return found
}

// isMissingObject recognizes a server refusing a want it does not have.
func isMissingObject(err error) bool {
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"not our ref", "no such remote ref", "unadvertised object", "object not found"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
