package commands

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

const fixUsage = "`fix` takes a workload and, optionally, what to set: `/rigel fix deploy/web -n shop` (Rigel looks at its pods and proposes a fix), or `/rigel fix deploy/web -n shop set memory=512Mi` (also `image=nginx:1.27`, `cpu=500m`, `replicas=3`, `env.LOG_LEVEL=debug`; `--container NAME` when there are several)."

// fixProposal is one fix on its way to a pull request.
type fixProposal struct {
	Ref        kube.WorkloadRef
	Deployment config.Deployment
	Repo       string // owner/name of the deployment's repo (this conversation's)
	Branch     string // the deployment's branch: the PR's base
	Base       string // the commit of Branch the change is made on
	Edits      []fix.Edit
	Diagnosis  *fix.Diagnosis // nil for explicit `set` edits
	Changes    []fix.Change
	Head       string        // the PR's branch: rigel/fix-<workload>-<id>, or a later name (see Taken)
	Commit     string        // the commit Rigel pushed to Head, or found there as exactly its change
	Taken      []takenBranch // names passed over: branches that hold something else
	Shared     []sharedUse   // changed files other deployments of the repo render too
	Unknown    []string      // other deployments Rigel could not build to tell
	Author     string        // who asked
	Number     int           // the conversation
	FromIssue  bool          // the conversation is an issue (not a pull request): the PR closes it
}

func runFix(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("namespace", "container"); err != nil {
		return "", err
	}
	if len(c.cmd.Args) == 0 {
		return "", userErrorf("%s", fixUsage)
	}
	ref, err := c.workloadArg(c.cmd.Args[0])
	if err != nil {
		return "", err
	}
	edits, explicit, err := c.fixEdits()
	if err != nil {
		return "", err
	}
	w, err := c.getWorkload(ctx, ref)
	if err != nil {
		return "", err
	}
	src, err := c.r.Registry.Load(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the registry: %w", err)
	}
	repo, dep, err := c.fixTarget(src, ref, w)
	if err != nil {
		return "", err
	}
	req := FixRequest{Ref: ref, Repo: *repo, Deployment: dep, Author: c.req.Author, Number: c.req.Number, FromIssue: !c.req.IsPR}
	if explicit {
		req.Edits = edits
	}
	out, err := c.r.ProposeFix(ctx, c.gh, c.req.Repo, c.origin(), req, commentHints)
	switch {
	case err != nil:
		return "", err
	case out.NoFix != nil:
		return renderNoFix(ref, out.NoFix), nil
	case out.Unchanged:
		return renderFixUnchanged(out.p), nil
	case out.Opened:
		return renderFixOpened(out.p, *out.Pull), nil
	}
	return renderFixExisting(out.p, *out.Pull), nil
}

// fixEdits reads "set k=v …" after the workload; explicit is false when nothing follows it
// (Rigel diagnoses). The word "set" may be repeated: "set image=x set memory=y".
func (c *call) fixEdits() (edits []fix.Edit, explicit bool, err error) {
	rest := c.cmd.Args[1:]
	container, hasContainer := c.cmd.Flag("container")
	if len(rest) == 0 {
		if hasContainer {
			return nil, false, userErrorf("`--container` goes with `set`, e.g. %s.", code("/rigel fix "+short(c.cmd.Args[0])+" set memory=512Mi --container "+short(container)))
		}
		return nil, false, nil
	}
	if !strings.EqualFold(rest[0], "set") {
		return nil, false, userErrorf("%s is not something `fix` understands after the workload. %s", code(short(rest[0])), fixUsage)
	}
	var pairs []string
	for _, w := range rest[1:] {
		if !strings.EqualFold(w, "set") {
			pairs = append(pairs, w)
		}
	}
	edits, err = fix.ParseSet(pairs)
	var fe *fix.UserError
	switch {
	case errors.As(err, &fe):
		return nil, false, userErrorf("%s.", strings.TrimSuffix(fe.Msg, "."))
	case err != nil:
		return nil, false, err
	}
	if hasContainer {
		if container == "" {
			return nil, false, userErrorf("`--container` needs a container name, e.g. `--container app`.")
		}
		for i := range edits {
			edits[i].Container = container
		}
	}
	return edits, true, nil
}

// fixTarget is the registered deployment a workload is linked to; the reply says how to link
// it when it is not, and where to run the fix when it belongs to another repo.
func (c *call) fixTarget(src *config.Sources, ref kube.WorkloadRef, w *kube.Workload) (*config.Repo, config.Deployment, error) {
	link := LinkOf(src, w)
	name := link.Name
	this := src.FindRepo(c.req.Repo.FullName())
	if name == "" {
		return nil, config.Deployment{}, userErrorf("%s `%s` in namespace `%s` is not linked to a deployment (it has no `%s` annotation), so Rigel does not know which folder holds its manifest. Nothing was changed. %s",
			ref.Kind, ref.Name, ref.Namespace, sync.AnnotationSourceRepo, linkHint(ref, this, c.cmd.Line))
	}
	owner, dep := link.Owner, link.Deployment
	switch {
	case dep == nil:
		return nil, config.Deployment{}, userErrorf("%s `%s` in namespace `%s` is linked to the deployment `%s`, which is not registered (removed?). Nothing was changed. %s",
			ref.Kind, ref.Name, ref.Namespace, short(name), linkHint(ref, this, c.cmd.Line))
	case owner.Repo != c.req.Repo.FullName():
		return nil, config.Deployment{}, userErrorf("%s `%s` in namespace `%s` belongs to the deployment `%s` of %s: a fix is a pull request to that repo. Nothing was changed. Run %s in an issue of %s.",
			ref.Kind, ref.Name, ref.Namespace, dep.Name, owner.Repo, code(c.cmd.Line), owner.Repo)
	}
	return owner, *dep, nil
}

// linkHint says how to link a workload to a deployment of this repo, with the command to type.
func linkHint(ref kube.WorkloadRef, this *config.Repo, line string) string {
	switch {
	case this == nil || len(this.Deployments) == 0:
		return "Register the folder that holds its manifest first (`/rigel add-deployment PATH`), then link the workload to it: `/rigel link " + typed(ref) + " DEPLOYMENT`, and run " + code(line) + " again."
	case len(this.Deployments) == 1:
		d := this.Deployments[0]
		return fmt.Sprintf("If its manifest is in folder `%s`, link it to this repo's deployment `%s`: `/rigel link %s %s`; if it is in another folder, register that one first (`/rigel add-deployment PATH`) and link the workload to it. Then run %s again.",
			d.Path, d.Name, typed(ref), d.Name, code(line))
	}
	names := make([]string, len(this.Deployments))
	for i, d := range this.Deployments {
		names[i] = "`" + d.Name + "`"
	}
	return fmt.Sprintf("Link it to the deployment whose folder holds its manifest (%s): `/rigel link %s %s`, then run %s again.", strings.Join(names, ", "), typed(ref), this.Deployments[0].Name, code(line))
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

func editList(edits []fix.Edit) string {
	parts := make([]string, len(edits))
	for i, e := range edits {
		parts[i] = code(e.String())
	}
	return strings.Join(parts, ", ")
}

// fixSubject is the fix in Rigel's words, with the values as typed or found: the PR's title
// and the commit's subject go through their sinks (untrusted.PullTitle, CommitMessage).
func fixSubject(p *fixProposal) string {
	parts := make([]string, len(p.Edits))
	for i, e := range p.Edits {
		parts[i] = e.String()
	}
	return fmt.Sprintf("Fix %s %s in %s: %s", strings.ToLower(p.Ref.Kind), p.Ref.Name, p.Ref.Namespace, strings.Join(parts, ", "))
}

// fixTitle is the PR's title.
func fixTitle(p *fixProposal) string { return untrusted.PullTitle(fixSubject(p)) }

// fixCommitMessage is the fix commit's message (untrusted.CommitMessage): the subject, what
// Rigel saw in plain text, and Rigel's own trailer naming who asked and where.
func fixCommitMessage(p *fixProposal) string {
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
		return untrusted.CommitMessage(fixSubject(p), b.String(), fmt.Sprintf("Proposed by Rigel through its HTTP API (deployment %s, folder %s).", dep, folder))
	}
	return untrusted.CommitMessage(fixSubject(p), b.String(), fmt.Sprintf("Proposed by Rigel for %s in %s %s#%d (deployment %s, folder %s).", p.Author, where, p.Repo, p.Number, dep, folder))
}
