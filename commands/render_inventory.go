package commands

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The objects of a deployment's inventory that its folder no longer renders (sync.Plan.Orphans)
// in a preview, and what an apply did with them (sync.Result.Pruned).

const (
	wouldDelete = "🗑 would delete"
	notPruned   = "orphaned — not pruned"
)

// orphanSummary is the part of a preview's summary line about its orphans ("" when none).
func orphanSummary(p *sync.Plan, prunes bool) string {
	del, kept := orphanCounts(p, prunes)
	var parts []string
	if del > 0 {
		parts = append(parts, fmt.Sprintf("%d to delete", del))
	}
	if kept > 0 {
		parts = append(parts, fmt.Sprintf("%d orphaned (not pruned)", kept))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// orphanCounts is how many orphans an apply deletes and keeps, prunes saying whether it prunes.
func orphanCounts(p *sync.Plan, prunes bool) (del, kept int) {
	for _, o := range p.Orphans {
		if prunes && o.Prunable() {
			del++
		} else {
			kept++
		}
	}
	return del, kept
}

// orphanBlocks is the block of a preview listing its orphans (none when there are none).
func orphanBlocks(p *sync.Plan, prunes bool) []string {
	if len(p.Orphans) == 0 {
		return nil
	}
	var b strings.Builder
	n := len(p.Orphans)
	fmt.Fprintf(&b, "<details open><summary>%d object%s of this deployment that the folder no longer renders</summary>\n\n", n, plural(n))
	canPrune := false
	for _, o := range p.Orphans {
		word := notPruned
		if prunes && o.Prunable() {
			word = wouldDelete
		}
		fmt.Fprintf(&b, "- %s %s", word, htmlCode(o.Ref.String()))
		if o.Keep != "" {
			fmt.Fprintf(&b, " — kept even by an apply that prunes: %s", inert(o.Keep))
		} else if !prunes {
			canPrune = true
		}
		b.WriteString("\n")
	}
	switch {
	case prunes:
		fmt.Fprintf(&b, "\nThe deployment prunes (`prune: true`): `/rigel apply %s` deletes the objects marked %s once the rest applied healthily.", p.Deployment, wouldDelete)
	case canPrune:
		fmt.Fprintf(&b, "\n`/rigel apply %s` leaves them in the cluster; `/rigel apply %s --prune` deletes them once the rest applied healthily.", p.Deployment, p.Deployment)
	}
	b.WriteString("\n\n</details>")
	return []string{b.String()}
}

var prunedWord = map[sync.Action]string{sync.ActionDelete: "🗑 deleted", sync.ActionKeep: "kept", sync.ActionError: "⛔ not deleted"}

// prunedBlock is the block of an apply's reply about the orphans of its plan: each deletion
// and its outcome, or that they were kept ("" when the plan had none).
func prunedBlock(a *ops.Applied) string {
	p, res := a.Plan, a.Result
	if len(res.Pruned) > 0 {
		var b strings.Builder
		failed := false
		for _, o := range res.Pruned {
			failed = failed || o.Action == sync.ActionError
		}
		fmt.Fprintf(&b, "<details%s><summary>%d object%s the folder no longer renders (pruned)</summary>\n\n| object | pruned | message |\n|---|---|---|\n",
			map[bool]string{true: " open", false: ""}[failed], len(res.Pruned), plural(len(res.Pruned)))
		for _, o := range res.Pruned {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", "<code>"+cell(o.Ref.String())+"</code>", prunedWord[o.Action], cell(o.Message))
		}
		b.WriteString("\n</details>")
		return b.String()
	}
	if len(p.Orphans) == 0 {
		return ""
	}
	names := make([]string, len(p.Orphans))
	for i, o := range p.Orphans {
		names[i] = htmlCode(o.Ref.String())
	}
	n := len(p.Orphans)
	return fmt.Sprintf("%d object%s the folder no longer renders %s kept, not pruned: %s. `/rigel sync %s` then `/rigel apply %s --prune` deletes %s.",
		n, plural(n), pluralOf(n, "was", "were"), strings.Join(names, ", "), p.Deployment, p.Deployment, pluralOf(n, "it", "them"))
}
