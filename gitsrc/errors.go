package gitsrc

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSymlink is returned (inside an *fs.PathError) when opening a symbolic link of a
// Snapshot: links are never followed.
var ErrSymlink = errors.New("is a symbolic link (not followed)")

// CommitMissingError: the wanted commit is neither in the cache nor on the server.
type CommitMissingError struct {
	Repo   string
	Commit string
}

func (e *CommitMissingError) Error() string {
	return fmt.Sprintf("commit %s is not in %s any more (force-pushed?)", short(e.Commit), e.Repo)
}

// FetchError says which ref (or commit) of which repo could not be fetched. Its message
// never contains the token. errors.Is and errors.As see the go-git cause (e.g.
// transport.ErrAuthenticationRequired); there is no Unwrap, so printing the chain cannot
// reveal an unredacted message.
type FetchError struct {
	Repo string
	What string // "refs/heads/main" or "commit 0123abc"
	msg  string // the cause's message, token removed
	err  error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("failed to fetch %s of %s: %s", e.What, e.Repo, e.msg)
}

// Is reports whether the cause is target.
func (e *FetchError) Is(target error) bool { return errors.Is(e.err, target) }

// As finds target in the cause's chain.
func (e *FetchError) As(target any) bool { return errors.As(e.err, target) }

// newFetchError wraps err, removing secrets from its message and folding it onto one line.
func newFetchError(repo, what string, err error, secrets ...string) *FetchError {
	return &FetchError{Repo: repo, What: what, msg: redact(err.Error(), secrets...), err: err}
}

func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return strings.TrimRight(strings.Join(strings.Fields(msg), " "), ": ")
}
