package commands

import (
	"fmt"
	"github.com/rigel-gitops/rigel/words"
	"sort"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// blockSep separates the blocks of a reply that splitComment may put into different comments.
// It is an HTML comment, so it is invisible where it stays.
const blockSep = "\n<!-- rigel:block -->\n"

func errorReply(line, msg, hint string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "❌ %s — %s", code(short(line)), inert(msg))
	if hint != "" {
		b.WriteString("\n\n" + inert(hint))
	}
	return b.String()
}

func failureReply(line string, err error) string {
	return fmt.Sprintf("⚠️ %s failed: %s\n\nNothing about what you typed is wrong: this is a failure on Rigel's side or of something it depends on. Run the command again; if it keeps failing, Rigel's logs have the details.", code(short(line)), untrusted.MarkdownText(err.Error()))
}

func renderHelp(verbs []verb, lead string) string {
	var b strings.Builder
	if lead == "" {
		lead = "Rigel previews and applies Kubernetes manifests from this repo, from comments."
	}
	b.WriteString(lead + "\n\n| command | what it does |\n|---|---|\n")
	for _, v := range verbs {
		fmt.Fprintf(&b, "| %s | %s |\n", code(v.usage), strings.ReplaceAll(v.summary, "|", "\\|"))
	}
	b.WriteString("\nSeveral commands in one comment run in order, one reply each. In a pull request, `diff`, `sync` and `apply` use the PR's head; elsewhere the repo's branch.\n\n")
	b.WriteString("**Next:** `/rigel add-deployment` to see the folders of this repo that hold manifests.")
	return b.String()
}

var actionIcon = map[sync.Action]string{
	sync.ActionCreate: "🆕 create", sync.ActionUpdate: "✏️ change", sync.ActionUnchanged: "unchanged", sync.ActionError: "⛔ refused",
	sync.ActionBlocked: "🚫 not sent",
}

func summaryCounts(p *sync.Plan) string {
	create, update, unchanged, failed := p.Counts()
	s := fmt.Sprintf("%d to create, %d to change, %d unchanged", create, update, unchanged)
	if failed > 0 {
		s += fmt.Sprintf(", %d refused by the cluster", failed)
	}
	return s
}

// renderPlan is the diff (or sync) comment of one deployment.
func renderPlan(repo string, pv *ops.Preview, arm bool) string {
	p := pv.Plan
	create, update, _, failed := p.Counts()
	verbWord := "diff"
	if arm {
		verbWord = "sync preview"
	}
	if pv.Rollback != nil { // rollback_render.go
		verbWord = "rollback preview"
	}
	var blocks []string
	var head strings.Builder
	fmt.Fprintf(&head, "**Rigel %s of %s at %s:** %s.\n\n", verbWord, code(p.Deployment), code(shortSHA(p.Commit)), summaryCounts(p)+orphanSummary(p, pv.Prunes)+hookSummary(p)+waveSummary(p)+guardSummary(p)+unmanagedSummary(p))
	fmt.Fprintf(&head, "Folder %s of %s, %s, commit `%s`.", code(p.Path), repo, words.Label(pv.Target), p.Commit)
	head.WriteString(rollbackLine(pv)) // rollback_render.go
	blocks = append(blocks, head.String())
	if l := lookupLine(pv.Lookups); l != "" {
		blocks = append(blocks, l)
	}
	var names []string // unchanged objects with nothing else to say
	for _, ch := range p.Changes {
		if ch.Action == sync.ActionUnchanged && len(ch.Violations) == 0 && ch.ManagedBy == nil && ch.Unmanaged == nil && ch.HandOver == nil && ch.Argo == nil {
			names = append(names, ch.Ref.String())
			continue
		}
		blocks = append(blocks, renderChange(ch))
	}
	if n := len(names); n > 0 {
		blocks = append(blocks, fmt.Sprintf("<details><summary>%d unchanged object%s</summary>\n\n%s\n\n</details>", n, plural(n), "- "+strings.Join(names, "\n- ")))
	}
	blocks = append(blocks, waveBlocks(p)...)              // render_waves.go
	blocks = append(blocks, orphanBlocks(p, pv.Prunes)...) // render_inventory.go
	blocks = append(blocks, hookBlocks(p)...)              // render_hooks.go
	if pv.Hold != nil {
		blocks = append(blocks, holdLine(pv.Hold)) // unlock_cmds.go
	}
	var tail strings.Builder
	guard := guardNext(p, arm)
	switch {
	case pv.Rollback != nil && (failed > 0 || len(ops.TakenFrom(p)) > 0):
		tail.WriteString(rollbackBlocked(p)) // rollback_render.go: pushing does not fix an older commit
	case failed > 0:
		fmt.Fprintf(&tail, "**Next:** fix what the cluster refused, push, and run `/rigel %s %s` again.", map[bool]string{true: "sync", false: "diff"}[arm], p.Deployment)
		if arm {
			tail.WriteString(" Nothing is armed while an object is refused.")
		}
	case len(p.Violating()) > 0:
		tail.WriteString(guard) // nothing is armed against the policy
	case len(ops.TakenFrom(p)) > 0: // nor to take objects from another deployment
		n := len(ops.TakenFrom(p))
		fmt.Fprintf(&tail, "**Next:** %d object%s of this preview belong%s to another registered deployment, and `/rigel apply` does not take them: see how to move %s above, or take %s out of the folder and push.",
			n, plural(n), map[bool]string{true: "s", false: ""}[n == 1], map[bool]string{true: "it", false: "them"}[n == 1], map[bool]string{true: "it", false: "them"}[n == 1])
		if arm {
			tail.WriteString(" Nothing is armed while an object belongs to another deployment.")
		}
	case arm:
		switch {
		case guard != "":
			tail.WriteString(guard)
		case pv.Rollback != nil:
			tail.WriteString(rollbackNext(p)) // rollback_render.go
		default:
			fmt.Fprintf(&tail, "**Next:** `/rigel apply %s` applies exactly this: commit `%s`, these changes. A new push or a change in the cluster since this preview makes apply refuse and ask for a new sync.", p.Deployment, shortSHA(p.Commit))
		}
		tail.WriteString("\n" + armMarkerFor(pv)) // a plan's, or a rollback's (rollback_render.go)
	case create+update == 0 && len(p.Orphans) == 0:
		fmt.Fprintf(&tail, "**Next:** nothing to do: the cluster already matches. `/rigel sync %s` still arms an apply, e.g. to record the sync.", p.Deployment)
	default:
		fmt.Fprintf(&tail, "**Next:** `/rigel sync %s` to preview this again and arm `/rigel apply %s`.", p.Deployment, p.Deployment)
	}
	blocks = append(blocks, tail.String())
	return strings.Join(blocks, blockSep)
}

func renderChange(ch sync.Change) string {
	var b strings.Builder
	open := ""
	if ch.Action == sync.ActionError {
		open = " open"
	}
	if len(ch.Violations) > 0 || (ch.Unmanaged != nil && ch.Unmanaged.OwnerRepo != "") {
		open = " open"
	}
	fmt.Fprintf(&b, "<details%s><summary>%s %s", open, actionIcon[ch.Action], htmlCode(ch.Ref.String()))
	if ch.Source != "" {
		fmt.Fprintf(&b, " from %s", htmlCode(ch.Source))
	}
	if s := ch.Secret; s != nil {
		var parts []string
		for _, kv := range []struct {
			word string
			keys []string
		}{{"added", s.Added}, {"changed", s.Changed}, {"removed", s.Removed}} {
			if len(kv.keys) > 0 {
				parts = append(parts, kv.word+": "+strings.Join(kv.keys, ", "))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, " — Secret keys %s", strings.Join(parts, "; "))
		}
	}
	b.WriteString(guardTitle(ch) + unmanagedTitle(ch) + handOverTitle(ch) + argoTitle(ch) + "</summary>\n\n" + guardNotes(ch) + unmanagedNotes(ch) + handOverNotes(ch) + argoNotes(ch))
	if ch.Note != "" && ch.Unmanaged == nil { // unmanagedNotes says it
		b.WriteString("> " + ch.Note + "\n\n")
	}
	if ch.Secret != nil && ch.Unmanaged == nil {
		b.WriteString("> Secret values are never shown: `***` stands for each value.\n\n")
	}
	if ch.Err != "" {
		f := fence(ch.Err)
		fmt.Fprintf(&b, "The cluster refused this object:\n\n%s\n%s\n%s\n\n", f, ch.Err, f)
	}
	if ch.Diff != "" {
		f := fence(ch.Diff)
		fmt.Fprintf(&b, "%sdiff\n%s\n%s\n\n", f, strings.TrimRight(ch.Diff, "\n"), f)
	}
	b.WriteString("</details>")
	return b.String()
}

// renderApplied is the reply to an apply: the outcome per object.
func renderApplied(repo string, a *ops.Applied) string {
	p, res, recordErr := a.Plan, a.Result, a.RecordErr
	counts := map[sync.Action]int{}
	for _, o := range res.Objects {
		counts[o.Action]++
	}
	icon := map[string]string{"Succeeded": "✅", "Unhealthy": "⚠️", "Failed": "❌"}[res.Status]
	var blocks []string
	blocks = append(blocks, fmt.Sprintf("%s **Rigel applied %s at %s: %s.** %d created, %d changed, %d unchanged, %d failed.\n\nFolder %s of %s, %s, commit `%s`; took %s.",
		icon, code(p.Deployment), code(shortSHA(p.Commit)), res.Status, counts[sync.ActionCreate], counts[sync.ActionUpdate], counts[sync.ActionUnchanged], counts[sync.ActionError],
		code(p.Path), repo, words.Label(a.Target), p.Commit, res.Finished.Sub(res.Started).Round(time.Millisecond)))
	objs := append([]sync.ObjectResult(nil), res.Objects...)
	sort.SliceStable(objs, func(i, j int) bool { return rank(objs[i]) < rank(objs[j]) })
	var t strings.Builder
	fmt.Fprintf(&t, "<details%s><summary>%d object%s</summary>\n\n| object | applied | health | message |\n|---|---|---|---|\n", map[bool]string{true: " open", false: ""}[res.Status != "Succeeded"], len(objs), plural(len(objs)))
	for _, o := range objs {
		health := o.Health
		if health == "" {
			health = "—"
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s |\n", "<code>"+cell(o.Ref.String())+"</code>", o.Action, cell(health), cell(o.Message))
	}
	t.WriteString("\n</details>")
	blocks = append(blocks, t.String())
	if b := stoppedBlock(res); b != "" { // render_waves.go
		blocks = append(blocks, b)
	}
	if b := prunedBlock(a); b != "" { // render_inventory.go
		blocks = append(blocks, b)
	}
	if b := hookResultsBlock(res); b != "" { // render_hooks.go
		blocks = append(blocks, b)
	}
	var tail strings.Builder
	if recordErr != nil {
		fmt.Fprintf(&tail, "⚠️ The objects were applied, but %v.\n\n", recordErr)
	} else {
		fmt.Fprintf(&tail, "Recorded as the last sync of %s in ConfigMap `%s`%s.\n\n", code(p.Deployment), config.SourcesConfigMap, rollbackRecorded(a)) // rollback_render.go
	}
	switch res.Status {
	case "Succeeded":
		tail.WriteString("**Next:** `/rigel list` shows the last sync of each deployment.")
	default:
		fmt.Fprintf(&tail, "**Next:** `/rigel sync %s` previews again — after fixing and pushing the manifests of objects the cluster refused; as it is, if the cluster could not be reached or an object was not healthy in time.", p.Deployment)
	}
	tail.WriteString("\n" + appliedMarkerFor(p))
	blocks = append(blocks, tail.String())
	return strings.Join(blocks, blockSep)
}

func rank(o sync.ObjectResult) int {
	switch {
	case o.Action == sync.ActionError:
		return 0
	case o.Health != "" && o.Health != "Current":
		return 1
	}
	return 2
}

func short2(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// lookupLine says that a chart's templates call lookup, which answers nothing in Rigel's
// render (sync.LookupNote), naming them; "" when none does.
func lookupLine(templates []string) string {
	if len(templates) == 0 {
		return ""
	}
	return fmt.Sprintf("> ℹ️ Note: %s. Templates: %s.", sync.LookupNote, codeList(templates))
}
