package replica

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
)

// A pull request's hold on a deployment (issue 11, "PR-held locks"): `/rigel sync` in a PR
// holds each deployment it armed for that PR until the PR is merged or closed, or
// `/rigel unlock` is typed there. The hold is one Lease per deployment in Rigel's namespace,
// rigel-pr-hold-<deployment>, labelled rigel.dev/lease=pull-hold. Unlike the apply lock it is
// not renewed and never expires: it lives in the cluster (so it survives restarts and is seen
// by every replica) until it is given back. It is written create-if-absent and deleted with
// its uid and resourceVersion as preconditions, so of two PRs racing for it one wins, and a
// release never deletes a hold taken meanwhile by another PR (pull_hold_store.go).

// KindPullHold is a pull request's hold on a deployment.
const KindPullHold Kind = "pull-hold"

// annAuthor is who took a hold (the login whose `/rigel sync` did).
const annAuthor = "rigel.dev/author"

// PullHoldName is the Lease that records a pull request's hold on deployment.
func PullHoldName(deployment string) string { return "rigel-pr-hold-" + deployment }

// PullHold is a pull request's hold on a deployment. Read back from the cluster, its fields are
// what the Lease says: whoever can write Leases in Rigel's namespace wrote them, so quote them
// where they are shown.
type PullHold struct {
	Deployment string
	Repo       string    // owner/name of the pull request's repository
	Number     int       // the pull request (0 when the Lease does not say)
	Author     string    // who took it
	Since      time.Time // when it was taken
}

// Pull is "owner/name#N", the holding pull request.
func (h PullHold) Pull() string { return fmt.Sprintf("%s#%d", h.Repo, h.Number) }

// HeldBy says whether the hold is pull request number of repo's.
func (h PullHold) HeldBy(repo string, number int) bool {
	return h.Number != 0 && h.Number == number && strings.EqualFold(h.Repo, repo)
}

// pullHoldLease is the Lease that records h.
func (l *Leases) pullHoldLease(h PullHold) *coordv1.Lease {
	holder := h.Pull()
	since := metaMicro(h.Since)
	return &coordv1.Lease{
		ObjectMeta: objectMeta(PullHoldName(h.Deployment), l.kube.Namespace,
			map[string]string{labelKind: string(KindPullHold)},
			map[string]string{annDeployment: h.Deployment, annRepo: h.Repo, annIssue: strconv.Itoa(h.Number), annAuthor: h.Author}),
		// No duration and no renewal: the hold does not expire, it is given back.
		Spec: coordv1.LeaseSpec{HolderIdentity: &holder, AcquireTime: &since},
	}
}

// pullHoldOf reads a hold from its Lease. A Lease that does not say which PR holds it still
// holds the deployment (Number 0): only Rigel or an operator should write these Leases, and a
// refusal that names no PR is safer than an apply nobody meant.
func pullHoldOf(lease *coordv1.Lease, deployment string) PullHold {
	a := lease.Annotations
	h := PullHold{Deployment: deployment, Repo: a[annRepo], Author: a[annAuthor]}
	if n, err := strconv.Atoi(a[annIssue]); err == nil && n > 0 {
		h.Number = n
	}
	if lease.Spec.AcquireTime != nil {
		h.Since = lease.Spec.AcquireTime.UTC()
	} else {
		h.Since = lease.CreationTimestamp.UTC()
	}
	return h
}
