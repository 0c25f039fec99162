package commands

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Rigel keeps the state of a conversation in hidden markers (HTML comments) at the end of its
// own comments: "rigel:plan" arms `/rigel apply` for exactly one previewed plan, and
// "rigel:applied" says that plan was applied. Anyone who can make Rigel write text, or who can
// edit Rigel's comments (anyone with `write`), could write a marker; so every marker carries a
// MAC over its fields and the conversation (repository and issue number), keyed with a secret
// only Rigel holds (Runner.MarkerKey). A marker counts only when it verifies for the
// conversation it is read in, stands on a line of its own, and is in a comment of Rigel's.
//
//	<!-- rigel:plan deployment=web commit=<40 hex> digest=<64 hex> mac=<32 hex> -->
//	<!-- rigel:applied deployment=web digest=<64 hex> mac=<32 hex> -->
//	<!-- rigel:rollback deployment=web commit=<40 hex> digest=<64 hex> mac=<32 hex> -->
//
// The replies are rendered before the conversation's key material is at hand, so render.go
// writes a placeholder (planMarkerFor, appliedMarkerFor) that carries a random token of this
// process, and seal, just before a reply is posted, makes every other HTML comment of the
// reply inert and replaces the placeholders with signed markers. No text from a comment, a
// repository or the cluster can therefore reach a reply as a marker.

// Marker kinds.
const (
	markerPlan    = "plan"
	markerApplied = "applied"
	// markerLiving marks the living comment of a deployment in a pull request (living.go):
	// the head it previews (commit) and the digest of that preview (zeros when none was made).
	markerLiving = "living"
	// markerRollback arms `/rigel apply` for a rollback preview (rollback_cmds.go): as a plan
	// marker, and the apply is of the pinned commit of the deployment's history, recorded as
	// a rollback (ops.PlanID.Rollback).
	markerRollback = "rollback"
)

// markerMACBytes is how much of the HMAC-SHA256 a marker carries (128 bits, 32 hex digits).
const markerMACBytes = 16

// marker is one hidden marker's fields.
type marker struct {
	Kind       string // markerPlan or markerApplied
	Deployment string
	Commit     string // plan markers only
	Digest     string
}

// conversation is where a marker is valid: one issue or pull request of one repository.
type conversation struct {
	Repo   string // owner/name
	Number int
}

func conversationOf(req Request) conversation {
	return conversation{Repo: req.Repo.FullName(), Number: req.Number}
}

// fallbackMarkerKey signs markers of a Runner without a MarkerKey (tests; app always sets one):
// random, so such markers are unforgeable but do not outlive the process.
var fallbackMarkerKey = randomBytes(32)

// sealToken marks the placeholders render.go writes; it never leaves the process (seal
// replaces every placeholder before a reply is posted).
var sealToken = hex.EncodeToString(randomBytes(16))

// placeholder is what render.go writes where a signed marker goes.
var placeholder = placeholderFor(sealToken)

func placeholderFor(token string) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(markerPattern, `seal-`+regexp.QuoteMeta(token)))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("no randomness for the marker keys: %v", err)) // crypto/rand does not fail on Linux
	}
	return b
}

func (r *Runner) markerKey() []byte {
	if len(r.MarkerKey) == 0 {
		return fallbackMarkerKey
	}
	return r.MarkerKey
}

// markerMAC is the hex MAC of m in conv under key. Each field is length-prefixed, so no two
// different markers or conversations share an input.
func markerMAC(key []byte, conv conversation, m marker) string {
	h := hmac.New(sha256.New, key)
	for _, f := range []string{"rigel marker", m.Kind, strings.ToLower(conv.Repo), strconv.Itoa(conv.Number), m.Deployment, m.Commit, m.Digest} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil)[:markerMACBytes])
}

// fields is the marker's text without the MAC.
func (m marker) fields() string {
	if m.Kind == markerPlan || m.Kind == markerLiving || m.Kind == markerRollback {
		return fmt.Sprintf("rigel:%s deployment=%s commit=%s digest=%s", m.Kind, m.Deployment, m.Commit, m.Digest)
	}
	return fmt.Sprintf("rigel:applied deployment=%s digest=%s", m.Deployment, m.Digest)
}

// signMarker is m as a signed marker of conv.
func signMarker(key []byte, conv conversation, m marker) string {
	return "<!-- " + m.fields() + " mac=" + markerMAC(key, conv, m) + " -->"
}

// markerPattern reads a marker line; verifyMarkers checks which kinds take a commit.
const markerPattern = `<!-- rigel:(plan|applied|living|rollback) deployment=([a-z0-9-]{1,253}) (?:commit=([0-9a-f]{40}) )?digest=([0-9a-f]{64}) mac=%s -->`

// markerLine is a signed marker on a line of its own.
var markerLine = regexp.MustCompile(`(?m)^` + fmt.Sprintf(markerPattern, `([0-9a-f]{32})`) + `\r?$`)

// planMarker and appliedMarker find plan and applied markers, signed or still to be signed
// (for tests of what a reply carries; verifyMarkers decides what counts).
var (
	planMarker    = regexp.MustCompile(`<!-- rigel:plan deployment=([a-z0-9-]+) commit=([0-9a-f]{40}) digest=([0-9a-f]{64}) mac=([0-9a-f]{32}|seal-[0-9a-f]+) -->`)
	appliedMarker = regexp.MustCompile(`<!-- rigel:applied deployment=([a-z0-9-]+) digest=([0-9a-f]{64}) mac=([0-9a-f]{32}|seal-[0-9a-f]+) -->`)
)

// verifyMarkers returns the markers of body that verify for conv under key, in order. Markers
// that do not verify (typed, edited, copied from another conversation, signed with another
// key) are left out.
func verifyMarkers(key []byte, conv conversation, body string) []marker {
	var out []marker
	for _, m := range markerLine.FindAllStringSubmatch(body, -1) {
		mk := marker{Kind: m[1], Deployment: m[2], Commit: m[3], Digest: m[4]}
		if (mk.Kind != markerApplied) != (mk.Commit != "") {
			continue // a plan or living marker names its commit, an applied marker does not
		}
		want := markerMAC(key, conv, mk)
		if hmac.Equal([]byte(want), []byte(m[5])) {
			out = append(out, mk)
		}
	}
	return out
}

// markerPlaceholder is where render.go asks for a signed marker; seal signs it.
func markerPlaceholder(m marker) string {
	return "<!-- " + m.fields() + " mac=seal-" + sealToken + " -->"
}

// seal readies a reply for conv: every HTML comment opener or closer in it is made inert,
// except the block separators (splitComment removes them) and Rigel's own placeholders,
// which become markers signed for conv.
func seal(key []byte, conv conversation, body string) string {
	blocks := strings.Split(body, blockSep)
	for i, b := range blocks {
		var out strings.Builder
		last := 0
		for _, loc := range placeholder.FindAllStringSubmatchIndex(b, -1) {
			out.WriteString(inert(b[last:loc[0]]))
			m := marker{Kind: b[loc[2]:loc[3]], Deployment: b[loc[4]:loc[5]], Digest: b[loc[8]:loc[9]]}
			if loc[6] >= 0 {
				m.Commit = b[loc[6]:loc[7]]
			}
			out.WriteString(signMarker(key, conv, m))
			last = loc[1]
		}
		out.WriteString(inert(b[last:]))
		blocks[i] = out.String()
	}
	return strings.Join(blocks, blockSep)
}

// seal readies a reply to req for posting (see seal).
func (r *Runner) seal(req Request, body string) string {
	return seal(r.markerKey(), conversationOf(req), body)
}
