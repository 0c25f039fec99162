package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
)

// The hooks of a plan (sync.Plan.Hooks: Helm's helm.sh/hook, Argo CD's argocd.argoproj.io/hook)
// in a preview, by stage with what each runs; and what an apply did with them
// (sync.Result.Hooks), with the tail of their logs.

// hookStageTitle says when each stage runs.
var hookStageTitle = map[sync.HookStage]string{
	sync.HookPre:    "**Before the objects** (pre-install/pre-upgrade, PreSync): after the Namespaces and CRDs, one at a time, each awaited to completion; if one fails nothing else is applied",
	sync.HookSync:   "**With the objects** (Sync): right after they are applied (with sync waves: after the objects of their wave, before the next wave)",
	sync.HookPost:   "**After every object is healthy** (post-install/post-upgrade, PostSync)",
	sync.HookFail:   "**Only if the apply fails** (SyncFail)",
	sync.HookNotRun: "**Not run by Rigel**",
}

// hookSummary is the part of a preview's summary line about its hooks ("" when none).
func hookSummary(p *sync.Plan) string {
	run, notRun := 0, 0
	for _, h := range p.Hooks {
		if h.Stage == sync.HookNotRun {
			notRun++
		} else {
			run++
		}
	}
	var parts []string
	if run > 0 {
		parts = append(parts, fmt.Sprintf("%d hook%s to run", run, plural(run)))
	}
	if notRun > 0 {
		parts = append(parts, fmt.Sprintf("%d hook%s not run", notRun, plural(notRun)))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// hookBlocks is the block of a preview listing its hooks (none when there are none).
func hookBlocks(p *sync.Plan) []string {
	if len(p.Hooks) == 0 {
		return nil
	}
	var b strings.Builder
	n := len(p.Hooks)
	fmt.Fprintf(&b, "<details open><summary>%d hook%s: created and run in their phase, not applied as objects</summary>\n\n", n, plural(n))
	for _, s := range p.HookStages() {
		b.WriteString(hookStageTitle[s] + ":\n\n")
		if s == sync.HookNotRun {
			for _, h := range p.HooksIn(s) {
				fmt.Fprintf(&b, "- %s%s — %s\n", htmlCode(h.Title()), hookFrom(h), mdText(h.NotRun))
			}
			b.WriteString("\n")
			continue
		}
		b.WriteString("| hook | weight | runs | deleted | note |\n|---|---|---|---|---|\n")
		for _, h := range p.HooksIn(s) {
			fmt.Fprintf(&b, "| %s %s%s | %s | %s | %s | %s |\n", hookIcon(h), cellCode(h.Title()), cellFrom(h), strconv.Itoa(h.Hook.Weight),
				hookRuns(h), cell(deleteWords(h.Hook)), cell(hookNote(h)))
		}
		b.WriteString("\n")
	}
	b.WriteString("Each hook is created as written (a `generateName` gets its name from the cluster); the reply to the apply gives each one's outcome and the end of its logs.\n\n</details>")
	return []string{b.String()}
}

func hookIcon(h sync.HookChange) string {
	switch {
	case h.Action == sync.ActionBlocked || len(h.Violations) > 0:
		return "⛔"
	case h.Action == sync.ActionError:
		return "❌"
	}
	return "🪝"
}

func hookFrom(h sync.HookChange) string {
	if h.Source == "" {
		return ""
	}
	return " from " + htmlCode(h.Source)
}

func cellFrom(h sync.HookChange) string {
	if h.Source == "" {
		return ""
	}
	return " from " + cellCode(h.Source)
}

// hookRuns is what a hook runs: each container's image and command ("—" for no pod).
func hookRuns(h sync.HookChange) string {
	if len(h.Runs) == 0 {
		return "—"
	}
	var parts []string
	for _, r := range h.Runs {
		s := cellCode(r.Image)
		if len(r.Command) > 0 {
			s += " " + cellCode(short2(strings.Join(r.Command, " "), 120))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "<br>")
}

// deleteWords says when Rigel deletes a hook.
func deleteWords(h sync.Hook) string {
	words := map[string]string{
		sync.DeleteBeforeCreation: "before it is created again",
		sync.DeleteSucceeded:      "when it succeeds",
		sync.DeleteFailed:         "when it fails",
	}
	var out []string
	for _, p := range h.DeletePolicies {
		out = append(out, words[p])
	}
	return strings.Join(out, ", ")
}

// hookNote is what else a preview says of a hook: why it is refused, its note, the
// annotations Rigel does not know.
func hookNote(h sync.HookChange) string {
	var out []string
	for _, v := range h.Violations {
		out = append(out, "the policy refuses it: "+v.Msg)
	}
	if h.Err != "" {
		out = append(out, "refused: "+h.Err)
	}
	if h.ManagedBy != nil {
		out = append(out, "its live object is managed by "+h.ManagedBy.String())
	}
	if h.Note != "" {
		out = append(out, h.Note)
	}
	for _, o := range h.Hook.Options { // its Argo CD sync options (sync/syncoptions_hooks.go)
		out = append(out, "sync option "+o)
	}
	if len(h.Hook.Unknown) > 0 {
		out = append(out, "ignored: "+strings.Join(h.Hook.Unknown, ", "))
	}
	return strings.Join(out, "; ")
}

var hookOutcomeIcon = map[string]string{
	sync.HookSucceeded: "✅", sync.HookFailed: "❌", sync.HookTimedOut: "⏱", sync.HookSkipped: "⏭", sync.HookBlocked: "⛔", string(sync.HookNotRun): "➖",
}

// hookResultsBlock is the block of an apply's reply about its hooks ("" when none): each
// one's outcome, then the tail of the logs of those that ran a pod.
func hookResultsBlock(res *sync.Result) string {
	if len(res.Hooks) == 0 {
		return ""
	}
	failed := false
	for _, h := range res.Hooks {
		failed = failed || h.Outcome == sync.HookFailed || h.Outcome == sync.HookTimedOut || h.Outcome == sync.HookBlocked
	}
	var b strings.Builder
	n := len(res.Hooks)
	fmt.Fprintf(&b, "<details%s><summary>%d hook%s</summary>\n\n| hook | stage | outcome | message | deleted |\n|---|---|---|---|---|\n",
		map[bool]string{true: " open", false: ""}[failed], n, plural(n))
	for _, h := range res.Hooks {
		fmt.Fprintf(&b, "| %s | %s | %s %s | %s | %s |\n", cellCode(h.Ref.String()), cell(string(h.Stage)), hookOutcomeIcon[h.Outcome], cell(h.Outcome),
			cell(h.Message), cell(strings.Join(h.Deleted, ", ")))
	}
	for _, h := range res.Hooks {
		if h.Logs == "" {
			continue
		}
		logs := strings.TrimRight(h.Logs, "\n")
		f := fence(logs)
		fmt.Fprintf(&b, "\nThe end of the logs of %s:\n\n%stext\n%s\n%s\n", htmlCode(h.Ref.String()), f, inert(logs), f)
	}
	b.WriteString("\n</details>")
	return b.String()
}
