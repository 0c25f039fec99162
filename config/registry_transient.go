package config

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// transientBudget is how long Registry.Update keeps trying while the apiserver is away or
// overloaded: enough for an apiserver restart, bounded so a command always ends.
const transientBudget = 2 * time.Minute

// transient reports errors that pass by themselves: the apiserver cannot be reached (it is
// restarting), the connection broke, or it answers that it is overloaded or timed out.
func transient(err error) bool {
	var me *mutateError
	if errors.As(err, &me) {
		return false
	}
	switch {
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsServiceUnavailable(err), apierrors.IsInternalError(err), apierrors.IsUnexpectedServerError(err):
		return true
	case utilnet.IsConnectionRefused(err), utilnet.IsConnectionReset(err), utilnet.IsProbableEOF(err),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
