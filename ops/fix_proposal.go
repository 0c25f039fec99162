package ops

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// FixProposal is one fix on its way to a pull request: what ProposeFix found and did, for the
// adapters to word (the reply, and the pull request's body: FixRequest.PullBody).
type FixProposal struct {
	Ref        kube.WorkloadRef
	Deployment config.Deployment
	Repo       string // owner/name of the deployment's repo
	Branch     string // the deployment's branch: the PR's base
	Base       string // the commit of Branch the change is made on
	Edits      []fix.Edit
	Diagnosis  *fix.Diagnosis // nil for explicit `set` edits
	Changes    []fix.Change
	Head       string        // the PR's branch: rigel/fix-<workload>-<id>, or a later name (see Taken)
	Commit     string        // the commit Rigel pushed to Head, or found there as exactly its change
	Taken      []TakenBranch // names passed over: branches that hold something else
	Shared     []SharedUse   // changed files other deployments of the repo render too
	Unknown    []string      // other deployments Rigel could not build to tell
	Author     string        // who asked ("" through the HTTP API)
	Number     int           // the conversation (0 through the HTTP API)
	FromIssue  bool          // the conversation is an issue (not a pull request): the PR closes it
}

// TakenBranch is a branch name that was already in use by something else.
type TakenBranch struct {
	Branch, Why string
}

// SharedUse is a changed file that other deployments render too.
type SharedUse struct {
	Path        string
	Deployments []string
}

// fixBranch names the PR's branch after the workload and the change itself, so the same change
// always gets the same branch (and a second run finds the first PR).
func fixBranch(ref kube.WorkloadRef, changes []fix.Change) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", ref)
	for _, ch := range changes {
		fmt.Fprintf(h, "%s\x00%d\x00", ch.Path, len(ch.After))
		h.Write(ch.After)
	}
	return "rigel/fix-" + ref.Name + "-" + hex.EncodeToString(h.Sum(nil))[:7]
}

// botEmail is the no-reply address GitHub shows commits of login under.
func botEmail(login string) string {
	if login == "" {
		login = "rigel"
	}
	return login + "@users.noreply.github.com"
}

// subject is the fix in Rigel's words, with the values as typed or found: the PR's title and
// the commit's subject go through their sinks (untrusted.PullTitle, CommitMessage).
func (p *FixProposal) subject() string {
	parts := make([]string, len(p.Edits))
	for i, e := range p.Edits {
		parts[i] = e.String()
	}
	return fmt.Sprintf("Fix %s %s in %s: %s", strings.ToLower(p.Ref.Kind), p.Ref.Name, p.Ref.Namespace, strings.Join(parts, ", "))
}

// Title is the pull request's title (plain text, through untrusted.PullTitle).
func (p *FixProposal) Title() string { return untrusted.PullTitle(p.subject()) }

// CommitMessage is the fix commit's message (untrusted.CommitMessage): the subject, what
// Rigel saw in plain text, and Rigel's own trailer naming who asked and where.
func (p *FixProposal) CommitMessage() string {
	var b strings.Builder
	if d := p.Diagnosis; d != nil {
		for _, f := range d.Findings {
			b.WriteString("- " + f.Plain() + "\n")
		}
		if d.Rule != "" {
			b.WriteString("\nRule: " + d.Rule + "\n")
		}
	}
	where := "issue"
	if !p.FromIssue {
		where = "pull request"
	}
	dep, folder := untrusted.Plain(p.Deployment.Name), untrusted.Plain(p.Deployment.Path)
	if p.Number == 0 {
		return untrusted.CommitMessage(p.subject(), b.String(), fmt.Sprintf("Proposed by Rigel through its HTTP API (deployment %s, folder %s).", dep, folder))
	}
	return untrusted.CommitMessage(p.subject(), b.String(), fmt.Sprintf("Proposed by Rigel for %s in %s %s#%d (deployment %s, folder %s).", p.Author, where, p.Repo, p.Number, dep, folder))
}
