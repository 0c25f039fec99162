package ops

import "github.com/rigel-gitops/rigel/replica"

// Call is who asks for an operation, and where: a conversation of a repository (a comment, an
// event), or a caller of the HTTP API (Number 0, no Author, and a Forge only where the
// operation needs one).
type Call struct {
	Repo   Repo     // the conversation's repository
	Number int      // its issue or PR number; 0 outside a conversation
	IsPR   bool     // the conversation is a pull request
	Author string   // the GitHub login who asked; "" for the HTTP API
	Forge  Forge    // the installation's GitHub
	Holder Holder   // names the call on the Leases it holds (locks, records)
	Record Recorder // the running command's record; nil: none
}

// The coordination values an operation names (package replica).
type (
	// Holder names who holds a Lease.
	Holder = replica.Holder
	// Held refuses: another apply of the deployment runs now.
	Held = replica.Held
)
