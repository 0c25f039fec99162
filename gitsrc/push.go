package gitsrc

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/rs/zerolog"
)

// PushRequest says which files to change on top of which commit, and the branch to push the
// resulting commit to.
type PushRequest struct {
	Repo     string // "owner/name"
	CloneURL string // as for FetchRequest
	Base     string // the 40-hex commit the change is made on; it must be in the cache (fetched before)
	Branch   string // the branch to create or move, e.g. "rigel/fix-web-1a2b3c4" (not a full ref)
	// Files maps paths relative to the repository root ("apps/web/deploy.yaml") to their new
	// content. Files that do not exist yet are created (mode 0644); existing ones keep their mode.
	Files   map[string][]byte
	Message string
	Author  Signature // also the committer
	// Token returns basic-auth credentials, as for FetchRequest.
	Token func(ctx context.Context) (username, password string, err error)
	// Onto, when set, is the commit the branch is at now: the push then adds the commit on top
	// of it (Base must be Onto) and moves the branch forward, not forced — a branch that moved
	// meanwhile is a *BranchTakenError. The amend of a fix's pull request (issue 16).
	Onto string
}

// Signature is who made a commit, and when (zero When: now).
type Signature struct {
	Name, Email string
	When        time.Time
}

// PushResult is the branch after a push.
type PushResult struct {
	Commit string // the branch's commit
	// Pushed is false when the branch already held this change: a commit on Base with the
	// same tree. The branch was then left as it was.
	Pushed bool
	// Existed says the branch was on the server before.
	Existed bool
}

// ErrNothingToCommit: the files already have the requested content in the base commit.
var ErrNothingToCommit = errors.New("the change leaves every file as it is")

// BranchTakenError: the branch is on the server and its tip is not exactly this change made
// by Rigel, so Push left it as it is (it never overwrites a branch). Push a new branch name.
type BranchTakenError struct {
	Repo, Branch string
	Tip          string // the branch's commit
	Why          string // what differs, for people: "its tip has 2 parents", …
}

func (e *BranchTakenError) Error() string {
	return fmt.Sprintf("branch %s of %s already exists at %s and does not hold exactly this change: %s", e.Branch, e.Repo, short(e.Tip), e.Why)
}

// PushError says which branch of which repo could not be pushed (or read before pushing).
// Its message never contains the token; errors.Is and errors.As see the go-git cause.
type PushError struct {
	Repo, Branch string
	msg          string
	err          error
}

func (e *PushError) Error() string {
	return fmt.Sprintf("failed to push branch %s to %s: %s", e.Branch, e.Repo, e.msg)
}

// Is reports whether the cause is target.
func (e *PushError) Is(target error) bool { return errors.Is(e.err, target) }

// As finds target in the cause's chain.
func (e *PushError) As(target any) bool { return errors.As(e.err, target) }

// Push commits req.Files on top of req.Base in the repository's cache and pushes that commit
// to req.Branch, which it only ever creates: the push is not forced, so a branch that appears
// meanwhile makes it fail rather than be overwritten. When the branch already holds the same
// change (see CheckTip), it is left alone and PushResult.Pushed is false, so running the same
// change twice pushes once. A branch that holds anything else is a *BranchTakenError and is
// left alone too. A change that changes nothing is ErrNothingToCommit.
func (s *Source) Push(ctx context.Context, req PushRequest) (PushResult, error) {
	dir, err := repoDir(s.cacheDir, req.Repo)
	if err != nil {
		return PushResult{}, err
	}
	fr := FetchRequest{Repo: req.Repo, CloneURL: req.CloneURL, Ref: "refs/heads/" + req.Branch, Commit: req.Base, Token: req.Token}
	if err := s.checkRequest(&fr); err != nil {
		var he *HostError
		if errors.As(err, &he) {
			return PushResult{}, err
		}
		return PushResult{}, errors.New(strings.Replace(err.Error(), "failed to fetch", "failed to push to", 1))
	}
	if req.Base == "" || strings.HasPrefix(req.Branch, "refs/") {
		return PushResult{}, fmt.Errorf("failed to push to %s: a base commit and a branch name are required", req.Repo)
	}
	if len(req.Files) == 0 {
		return PushResult{}, ErrNothingToCommit
	}
	for p := range req.Files {
		if err := checkRepoPath(p); err != nil {
			return PushResult{}, fmt.Errorf("failed to push to %s: %w", req.Repo, err)
		}
	}
	unlock, err := s.lock(ctx, dir)
	if err != nil {
		return PushResult{}, fmt.Errorf("failed to push to %s: waiting for another fetch: %w", req.Repo, err)
	}
	defer unlock()
	defer s.used(ctx, dir, true) // cache.go

	log := zerolog.Ctx(ctx).With().Str("branch", req.Branch).Str("base", req.Base).Logger()
	f, err := openFetcher(ctx, dir, fr)
	if err != nil {
		return PushResult{}, err
	}
	st := f.repo.Storer
	base, err := object.GetCommit(st, plumbing.NewHash(fr.Commit))
	if err != nil {
		return PushResult{}, &CommitMissingError{Repo: req.Repo, Commit: fr.Commit}
	}
	tree, err := writeTree(st, base.TreeHash, req.Files)
	if err != nil {
		return PushResult{}, fmt.Errorf("failed to build the commit for %s: %w", req.Repo, err)
	}
	if tree == base.TreeHash {
		return PushResult{}, ErrNothingToCommit
	}
	if err := f.authenticate(ctx); err != nil {
		return PushResult{}, err
	}
	perr := func(err error) error {
		return &PushError{Repo: req.Repo, Branch: req.Branch, msg: redact(err.Error(), f.secret), err: err}
	}

	existing, err := f.remoteBranch(ctx)
	if err != nil {
		return PushResult{}, perr(err)
	}
	if req.Onto != "" {
		if req.Onto != req.Base || existing == nil || existing.String() != req.Onto {
			tip := ""
			if existing != nil {
				tip = existing.String()
			}
			return PushResult{}, &BranchTakenError{Repo: req.Repo, Branch: req.Branch, Tip: tip, Why: "it is not at " + short(req.Onto) + " any more"}
		}
		existing = nil // moved forward below, as a new branch would be created
	}
	if existing != nil {
		why, err := f.checkExisting(ctx, *existing, base.Hash, tree, req.Author)
		switch {
		case err != nil:
			return PushResult{}, perr(err)
		case why != "":
			log.Info().Str("commit", existing.String()).Str("why", why).Msg("branch holds something else: left alone")
			return PushResult{}, &BranchTakenError{Repo: req.Repo, Branch: req.Branch, Tip: existing.String(), Why: why}
		}
		log.Debug().Str("commit", existing.String()).Msg("branch already holds the change")
		return PushResult{Commit: existing.String(), Pushed: false, Existed: true}, nil
	}

	commit, err := writeCommit(st, base.Hash, tree, req.Message, req.Author)
	if err != nil {
		return PushResult{}, fmt.Errorf("failed to build the commit for %s: %w", req.Repo, err)
	}
	// Not forced ("+" is absent and Force false): the branch did not exist a moment ago, and
	// if someone made it meanwhile the server (or go-git's fast-forward check) refuses.
	spec := gitconfig.RefSpec(commit.String() + ":" + fr.Ref)
	err = f.remote.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []gitconfig.RefSpec{spec}, Auth: f.auth})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		// Lost a race? Then the branch is there now, and not ours to move.
		if now, lerr := f.remoteBranch(ctx); lerr == nil && now != nil && *now != commit {
			log.Info().Str("commit", now.String()).Err(err).Msg("branch appeared while pushing: left alone")
			return PushResult{}, &BranchTakenError{Repo: req.Repo, Branch: req.Branch, Tip: now.String(), Why: "someone pushed it while Rigel was pushing"}
		}
		return PushResult{}, perr(err)
	}
	// Keep the pushed commit reachable in the cache, as fetched refs are.
	if err := st.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(trackingRef(fr.Ref)), commit)); err != nil {
		log.Warn().Err(err).Msg("failed to record the pushed branch in the cache")
	}
	log.Info().Str("commit", commit.String()).Bool("existed", existing != nil).Msg("pushed")
	return PushResult{Commit: commit.String(), Pushed: true, Existed: existing != nil}, nil
}

// remoteBranch is the commit the server's branch points at, nil when there is no such branch.
func (f *fetcher) remoteBranch(ctx context.Context) (*plumbing.Hash, error) {
	refs, err := f.remote.ListContext(ctx, &git.ListOptions{Auth: f.auth})
	if err != nil {
		if errors.Is(err, transport.ErrEmptyRemoteRepository) {
			return nil, nil
		}
		return nil, err
	}
	for _, r := range refs {
		if r.Name().String() == f.req.Ref && r.Type() == plumbing.HashReference {
			h := r.Hash()
			return &h, nil
		}
	}
	return nil, nil
}

// checkExisting says why commit (the tip of the server's branch, fetched when not cached) is
// not exactly the change Rigel would push, or "" when it is (see CheckTip).
func (f *fetcher) checkExisting(ctx context.Context, commit, base, tree plumbing.Hash, who Signature) (string, error) {
	c, err := object.GetCommit(f.repo.Storer, commit)
	if err != nil {
		if err := f.fetch(ctx, gitconfig.RefSpec("+"+f.req.Ref+":"+trackingRef(f.req.Ref))); err != nil {
			return "", err
		}
		if c, err = object.GetCommit(f.repo.Storer, commit); err != nil {
			return "it moved while Rigel read it", nil // not ours to keep
		}
	}
	return CheckTip(c, base, tree, who), nil
}

// CheckTip says why commit c is not exactly the change Rigel makes — one commit whose only
// parent is base, whose tree is tree (base with the change applied), authored and committed
// by who — or returns "" when it is. The author is only a necessary condition (anyone can
// write any name into a commit); the parent and the tree are what make the content exactly
// Rigel's change. A commit on an older base is not accepted either: the server's copy is
// fetched shallow, so Rigel cannot tell whether that base is in the branch's history, and
// such a pull request would carry whatever that base holds.
func CheckTip(c *object.Commit, base, tree plumbing.Hash, who Signature) string {
	switch {
	case len(c.ParentHashes) != 1:
		return fmt.Sprintf("its tip %s has %d parents, not one", short(c.Hash.String()), len(c.ParentHashes))
	case c.ParentHashes[0] != base:
		return fmt.Sprintf("its tip %s is not one commit on %s (its parent is %s: other commits, or an older base)", short(c.Hash.String()), short(base.String()), short(c.ParentHashes[0].String()))
	case c.TreeHash != tree:
		return fmt.Sprintf("its tip %s changes other files or other lines", short(c.Hash.String()))
	case c.Author.Name != who.Name || c.Author.Email != who.Email || c.Committer.Name != who.Name || c.Committer.Email != who.Email:
		return fmt.Sprintf("its tip %s was not made by Rigel", short(c.Hash.String()))
	}
	return ""
}

// checkRepoPath refuses paths that are not plain relative paths inside the repository.
func checkRepoPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." {
		return fmt.Errorf("%q is not a clean path relative to the repository root", p)
	}
	for _, part := range strings.Split(p, "/") {
		if strings.EqualFold(part, ".git") {
			return fmt.Errorf("%q is inside .git", p)
		}
	}
	return nil
}

// writeTree stores the tree that is tree (zero: empty) with files written, and returns its hash.
func writeTree(st storer.EncodedObjectStorer, tree plumbing.Hash, files map[string][]byte) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	if !tree.IsZero() {
		t, err := object.GetTree(st, tree)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("failed to read tree %s: %w", short(tree.String()), err)
		}
		entries = append(entries, t.Entries...)
	}
	here := map[string][]byte{}             // files directly in this tree
	below := map[string]map[string][]byte{} // sub directory → its files
	for p, data := range files {
		dir, rest, nested := strings.Cut(p, "/")
		if !nested {
			here[p] = data
			continue
		}
		if below[dir] == nil {
			below[dir] = map[string][]byte{}
		}
		below[dir][rest] = data
	}
	index := map[string]int{}
	for i, e := range entries {
		index[e.Name] = i
	}
	set := func(name string, mode filemode.FileMode, h plumbing.Hash) {
		if i, ok := index[name]; ok {
			entries[i].Mode, entries[i].Hash = mode, h
			return
		}
		index[name] = len(entries)
		entries = append(entries, object.TreeEntry{Name: name, Mode: mode, Hash: h})
	}
	for name, data := range here {
		h, err := writeBlob(st, data)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		mode := filemode.Regular
		if i, ok := index[name]; ok {
			switch entries[i].Mode {
			case filemode.Executable, filemode.Regular, filemode.Deprecated:
				mode = entries[i].Mode
			default:
				return plumbing.ZeroHash, fmt.Errorf("%s is a %s in the repository, not a file", name, modeName(entries[i].Mode))
			}
		}
		set(name, mode, h)
	}
	for dir, sub := range below {
		var subTree plumbing.Hash
		if i, ok := index[dir]; ok {
			if entries[i].Mode != filemode.Dir {
				return plumbing.ZeroHash, fmt.Errorf("%s is a %s in the repository, not a directory", dir, modeName(entries[i].Mode))
			}
			subTree = entries[i].Hash
		}
		h, err := writeTree(st, subTree, sub)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("%s/%w", dir, err)
		}
		set(dir, filemode.Dir, h)
	}
	sort.Sort(object.TreeEntrySorter(entries))
	t := &object.Tree{Entries: entries}
	o := st.NewEncodedObject()
	if err := t.Encode(o); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("failed to encode a tree: %w", err)
	}
	return st.SetEncodedObject(o)
}

func modeName(m filemode.FileMode) string {
	switch m {
	case filemode.Dir:
		return "directory"
	case filemode.Symlink:
		return "symbolic link"
	case filemode.Submodule:
		return "submodule"
	}
	return "file"
}

func writeBlob(st storer.EncodedObjectStorer, data []byte) (plumbing.Hash, error) {
	o := st.NewEncodedObject()
	o.SetType(plumbing.BlobObject)
	o.SetSize(int64(len(data)))
	w, err := o.Writer()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("failed to write a blob: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return plumbing.ZeroHash, fmt.Errorf("failed to write a blob: %w", err)
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("failed to write a blob: %w", err)
	}
	return st.SetEncodedObject(o)
}

func writeCommit(st storer.EncodedObjectStorer, parent, tree plumbing.Hash, message string, who Signature) (plumbing.Hash, error) {
	when := who.When
	if when.IsZero() {
		when = time.Now()
	}
	sig := object.Signature{Name: who.Name, Email: who.Email, When: when.Truncate(time.Second)}
	if !strings.HasSuffix(message, "\n") {
		message += "\n"
	}
	c := &object.Commit{Author: sig, Committer: sig, Message: message, TreeHash: tree, ParentHashes: []plumbing.Hash{parent}}
	o := st.NewEncodedObject()
	if err := c.Encode(o); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("failed to encode the commit: %w", err)
	}
	return st.SetEncodedObject(o)
}
