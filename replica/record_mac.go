package replica

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/rigel-gitops/rigel/kube"
)

// A command's record (rigel-cmd-* Lease) makes the leader post into the conversation it names
// when its replica dies (sweep.go). Whoever can create Leases in Rigel's namespace could write
// one naming any conversation, so a record carries a MAC (annotation rigel.dev/mac) over its
// name and every field the leader acts on, keyed like the markers of Rigel's comments (the
// marker key New is given) under a label of its own: HMAC-SHA256(marker key, "rigel lease
// v1"). The sweeper ignores, logs and deletes a record that does not verify; it never reports
// one. A record's last-seen time, set by the leader that takes it over, is not covered: it
// only dates the report.

// annMAC is the annotation that carries a record's MAC.
const annMAC = "rigel.dev/mac"

// leaseKeyLabel makes the record key a key of its own, apart from the markers'.
const leaseKeyLabel = "rigel lease v1"

// recordMACFields are the annotations a record's MAC covers, in order.
var recordMACFields = []string{annRepo, annIssue, annInstallation, annCommand, annDelivery, annReplica, annPhase, annDeployment, annCommit}

// errRecordUnverified is a record whose MAC is missing or wrong: not one Rigel wrote (or
// written with another key, or edited since).
var errRecordUnverified = errors.New("its MAC does not verify: Rigel did not write it as it is (forged, edited, or signed with another marker key)")

// fallbackKey stands for the marker key of a Rigel without one (tests; app always has one):
// random, so its records are unforgeable but do not outlive the process.
var fallbackKey = func() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("no randomness for the record key: %v", err)) // crypto/rand does not fail on Linux
	}
	return b
}()

// recordKeyFor is the key of records derived from the marker key.
func recordKeyFor(markerKey []byte) []byte {
	h := hmac.New(sha256.New, markerKey)
	h.Write([]byte(leaseKeyLabel))
	return h.Sum(nil)
}

// recordMAC is the hex MAC of the record name with annotations a under key. Each field is
// length-prefixed, so no two different records share an input.
func recordMAC(key []byte, name string, a map[string]string) string {
	h := hmac.New(sha256.New, key)
	fmt.Fprintf(h, "%d:%s;", len(name), name)
	for _, f := range recordMACFields {
		v := a[f]
		fmt.Fprintf(h, "%d:%s;", len(v), v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// signRecord adds the MAC of a record named name to its annotations a.
func signRecord(key []byte, name string, a map[string]string) {
	a[annMAC] = recordMAC(key, name, a)
}

// verifyRecord checks the MAC of a record as read from the cluster.
func verifyRecord(key []byte, l kube.LeaseInfo) error {
	got := l.Annotations[annMAC]
	if got == "" || !hmac.Equal([]byte(got), []byte(recordMAC(key, l.Name, l.Annotations))) {
		return fmt.Errorf("record %s: %w", l.Name, errRecordUnverified)
	}
	return nil
}
