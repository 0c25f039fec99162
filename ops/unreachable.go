package ops

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// unreachable reports a failure to talk to a server at all (refused, reset, no route, DNS,
// timeout), as opposed to an answer that refuses something: the reply then says the server
// could not be reached, which is not the user's to fix.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ue *plumbing.UnexpectedError // go-git's wrapper of a failed request, without Unwrap
	if errors.As(err, &ue) && ue.Err != nil && unreachable(ue.Err) {
		return true
	}
	var op *net.OpError
	var dns *net.DNSError
	var ne net.Error
	return errors.As(err, &op) || errors.As(err, &dns) || (errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH)
}
