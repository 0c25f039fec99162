package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
)

// Argo CD's sync waves and sync options in a preview (sync/waves.go, sync/syncoptions.go):
// the order the objects are applied in, wave by wave, and what each object's options change;
// and, in an apply's reply, the wave the apply stopped at.

// waveSummary is the part of a preview's summary line about its waves ("" for one or none).
func waveSummary(p *sync.Plan) string {
	if n := len(p.Waves()); n > 1 {
		return fmt.Sprintf(", applied in %d sync waves", n)
	}
	return ""
}

// waveBlocks is the block of a preview listing its waves (none for a plan of one wave).
func waveBlocks(p *sync.Plan) []string {
	waves := p.Waves()
	if len(waves) < 2 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details open><summary>%d sync waves (<code>%s</code>), lowest first</summary>\n\n", len(waves), sync.AnnotationArgoSyncWave)
	b.WriteString("Namespaces and CRDs first, then each wave: its objects applied, its Sync hooks run, and the wave awaited healthy before the next. A wave that fails or is not healthy in time stops the apply: the later waves are not applied, and the SyncFail hooks run.\n\n")
	b.WriteString("| wave | objects | Sync hooks |\n|---|---|---|\n")
	for _, w := range waves {
		var objs, hooks []string
		for _, c := range p.WaveOf(w) {
			objs = append(objs, cellCode(c.Ref.String()))
		}
		for _, h := range p.HooksIn(sync.HookSync) {
			if h.Hook.Weight == w {
				hooks = append(hooks, cellCode(h.Title()))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strconv.Itoa(w), orDash(strings.Join(objs, "<br>")), orDash(strings.Join(hooks, "<br>")))
	}
	b.WriteString("\n</details>")
	return []string{b.String()}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// argoTitle is what an object's Argo CD options add to its title: how it is applied when not
// by a server-side apply.
func argoTitle(ch sync.Change) string {
	switch o := ch.Argo; {
	case o == nil || !o.Replace:
		return ""
	case o.Force:
		return " — ⚠️ <b>Force=true: deleted and created again</b>"
	default:
		return " — Replace=true: replaced"
	}
}

// argoNotes is what a preview says of an object's Argo CD options.
func argoNotes(ch sync.Change) string {
	o := ch.Argo
	if o == nil {
		return ""
	}
	var out []string
	switch {
	case o.Force:
		out = append(out, "⚠️ **`Replace=true,Force=true`: the apply deletes this object and creates it again** (its UID changes; what depends on it, e.g. a Job's pods, goes with it), if it is still as this preview read it.")
	case o.Replace:
		out = append(out, "`Replace=true`: the apply replaces the whole object (an update with the resourceVersion this preview read, failing if it changed since) instead of a server-side apply: fields other tools set are removed.")
	}
	if o.NoPrune {
		out = append(out, "`Prune=false`: prune never deletes this object once it leaves the folder.")
	}
	if o.NoDelete {
		out = append(out, "`Delete=false`: Rigel never deletes this object.")
	}
	if o.IgnoreExtraneous {
		out = append(out, "`IgnoreExtraneous`: once it leaves the folder, it is ignored, not pruned.")
	}
	if o.SkipDryRun && ch.Note == "" {
		out = append(out, "`SkipDryRunOnMissingResource=true`: not needed, the cluster knows its kind (dry-run as usual).")
	}
	if o.ServerSideApply {
		out = append(out, "`ServerSideApply=true`: nothing to do, Rigel always applies server-side.")
	}
	if len(o.Unknown) > 0 {
		out = append(out, "⚠️ Not honoured by Rigel: "+inert(strings.Join(o.Unknown, "; "))+".")
	}
	if len(out) == 0 {
		return ""
	}
	return "> Argo CD options: " + strings.Join(out, "\n> ") + "\n\n"
}

// stoppedBlock says at which wave an apply stopped ("" when it did not).
func stoppedBlock(res *sync.Result) string {
	if res.Stopped == "" {
		return ""
	}
	return "⛔ **Sync waves:** " + mdText(res.Stopped) + "."
}
