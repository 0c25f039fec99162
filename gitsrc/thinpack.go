package gitsrc

import (
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage"
)

// go-git asks for a thin pack only when thin-pack is not in transport.UnsupportedCapabilities,
// where it is by default. Without it, git upload-pack sends the whole tree of a shallow fetch
// again even though the client has the commit before (issue 14: 4.7 MB instead of 1.4 kB
// after a one-file push to a 100,000-file repository): the objects of a "have" are left out
// only as the edges of a thin pack (pack-objects --thin). A thin pack's deltas may have bases
// outside it; go-git's packfile parser resolves those from the repository's storage
// (plumbing/format/packfile/parser.go, resolveExternalRef) — but only when it unpacks into
// that storage, not when the storage writes the pack as it comes (storer.PackfileWriter:
// the filesystem storage's pack writer has no storage to look bases up in and fails with
// "reference delta not found"). So a fetch into a repository that already holds commits goes
// through thinStorer, and the first fetch (nothing to be thin against) keeps writing one pack.
// Multi-ack stays unsupported: go-git does not implement it.
func init() {
	kept := transport.UnsupportedCapabilities[:0:0]
	for _, c := range transport.UnsupportedCapabilities {
		if c != capability.ThinPack {
			kept = append(kept, c)
		}
	}
	transport.UnsupportedCapabilities = kept
}

// thinStorer is a storage without its PackfileWriter: go-git then parses a fetched pack with
// the storage at hand (thin packs resolve) and stores its objects loose, as git does with
// packs under transfer.unpackLimit objects.
type thinStorer struct{ storage.Storer }
