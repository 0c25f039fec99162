package replica

import (
	"strconv"

	"github.com/rigel-gitops/rigel/kube"
)

// Leases holds this replica's Leases in Rigel's namespace: deployment locks and command
// records. A nil *Leases locks nothing (LockDeployment fails) and records nothing.
type Leases struct {
	kube *kube.Leases
	key  []byte // signs command records (record_mac.go)
}

// New is the Leases of this replica, taken through k. Command records are signed with a key
// derived from markerKey (the key of the markers in Rigel's comments); nil: a random key of
// this process, so records do not outlive it.
func New(k *kube.Leases, markerKey []byte) *Leases {
	if len(markerKey) == 0 {
		markerKey = fallbackKey
	}
	return &Leases{kube: k, key: recordKeyFor(markerKey)}
}

// What a Lease of Rigel says (its label and annotations), so that a refusal or a late report
// can name the conversation.
const (
	labelKind = "rigel.dev/lease" // its Kind

	annRepo         = "rigel.dev/repo"         // owner/name of the conversation
	annIssue        = "rigel.dev/issue"        // its issue or PR number
	annInstallation = "rigel.dev/installation" // the GitHub App installation to answer with
	annCommand      = "rigel.dev/command"      // the command line
	annDelivery     = "rigel.dev/delivery"     // the webhook delivery it came in
	annReplica      = "rigel.dev/replica"      // the replica that started it (the holder may change when a leader reports it)
	annPhase        = "rigel.dev/phase"        // PhaseApplying while objects are sent and waited for
	annDeployment   = "rigel.dev/deployment"   // what is being applied …
	annCommit       = "rigel.dev/commit"       // … at which commit
	annLastSeen     = "rigel.dev/last-seen"    // when its replica last renewed it (set when a leader takes it over)
)

// PhaseApplying is the phase of a command record while objects are sent to the cluster and
// waited for.
const PhaseApplying = "applying"

// annotations name h, and this replica, on a Lease.
func (l *Leases) annotations(h Holder) map[string]string {
	a := map[string]string{annCommand: h.Command, annReplica: l.kube.Identity}
	if h.Repo != "" {
		a[annRepo], a[annIssue], a[annInstallation] = h.Repo, strconv.Itoa(h.Number), strconv.FormatInt(h.Installation, 10)
	}
	if h.Delivery != "" {
		a[annDelivery] = h.Delivery
	}
	return a
}
