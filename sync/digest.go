package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
)

// digestVersion is hashed first: bump it when what the digest covers changes.
const digestVersion = "rigel-plan-v2"

// planDigest hashes what a plan was computed from: the commit, the deployment and its
// folder, and for each change (in plan order) the desired object as canonical JSON and the
// normalized live object (or "absent"; "blocked" when the policy refused the object, which was
// not read; the resourceVersion alone of a live object the deployment does not manage). Live Secrets are hashed without their values: their
// data is replaced by the keys and the object's resourceVersion, which changes with any
// write, so the digest cannot be used to guess cluster secrets.
func planDigest(p *Plan, items []*item) string {
	h := sha256.New()
	field(h, digestVersion)
	field(h, p.Commit)
	field(h, p.Deployment)
	field(h, p.Path)
	for _, it := range items {
		field(h, it.ref.String())
		h.Write(strconv.AppendInt(nil, int64(len(it.body)), 10))
		h.Write([]byte{':'})
		h.Write(it.body)
		switch {
		case len(it.blocked) > 0: // never read: the desired object alone, and that it is refused
			field(h, "blocked")
		case it.live != nil && it.facts.deployment != p.Deployment:
			// Not this deployment's: its content is not hashed (the digest is shown, and a hash
			// of a known manifest and a small live object can be guessed back); its
			// resourceVersion changes with any write, its provenance says whose it is.
			field(h, "unmanaged")
			field(h, it.liveRV)
			field(h, it.facts.deployment)
		case it.liveErr != nil:
			field(h, "unreadable")
		case it.live == nil:
			field(h, "absent")
		default:
			field(h, string(liveDigestJSON(it)))
		}
		if it.handover != nil { // only then, so other plans keep their digest
			field(h, "handover")
			field(h, it.handover.digestText())
		}
	}
	// The orphans an apply that prunes deletes (or keeps, and why): only when there are some,
	// so a plan without orphans keeps its digest.
	for _, o := range p.Orphans {
		field(h, "orphan")
		field(h, o.Ref.Group)
		field(h, o.Ref.String())
		field(h, o.UID)
		field(h, o.ResourceVersion)
		field(h, o.Keep)
	}
	if len(p.Hooks) > 0 { // only then, so plans without hooks keep their digest
		hooksDigest(h, p.Hooks)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func field(h hash.Hash, s string) {
	h.Write(strconv.AppendInt(nil, int64(len(s)), 10))
	h.Write([]byte{':'})
	h.Write([]byte(s))
}

// liveDigestJSON is the canonical JSON of the normalized live object (encoding/json sorts map
// keys), with a Secret's values left out as planDigest explains.
func liveDigestJSON(it *item) []byte {
	obj := it.live
	if groupKind(it.ref) == secretGK {
		obj = copyTop(obj)
		for _, f := range []string{"data", "stringData"} {
			if m, ok := obj[f].(map[string]interface{}); ok {
				keys := make(map[string]interface{}, len(m))
				for k := range m {
					keys[k] = ""
				}
				obj[f] = keys
			}
		}
		obj["resourceVersion"] = it.liveRV
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return []byte("unencodable")
	}
	return js
}
