package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
)

// The replies of the registry's commands (registry_cmds.go): a repo's deployments, a
// deployment registered or forgotten, the folders that hold manifests.

func renderList(repo string, r *config.Repo, workloads map[string][]kube.WorkloadRef, lookupErr error, drifts map[string]*ops.DriftReport, holds ...PullHold) string {
	if r == nil || len(r.Deployments) == 0 {
		return fmt.Sprintf("%s has no deployments yet.\n\n**Next:** `/rigel add-deployment` lists the folders that hold manifests, each with the command to register it.", repo)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d deployment%s, synced from branch %s.\n\n", repo, len(r.Deployments), plural(len(r.Deployments)), code(r.Branch))
	b.WriteString("| deployment | folder | last sync | commit | status |\n|---|---|---|---|---|\n")
	for _, d := range r.Deployments {
		when, commit, status := "never", "—", "—"
		if ls := d.LastSync; ls != nil {
			when = ls.Time.UTC().Format(time.RFC3339)
			commit = cellCode(shortSHA(ls.Commit))
			status = ls.Status
			if ls.Kind != config.SyncKindCommand { // what applied it (issue 12): a rollback, a merge, a push
				status += ", by " + ls.Kind
			}
			if ls.Message != "" {
				status += " (" + ls.Message + ")"
			}
			status = cell(status)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cellCode(d.Name), cellCode(d.Path), when, commit, status)
	}
	b.WriteString(chartNote(r.Deployments))      // registry_chart.go (issue 13)
	b.WriteString(jsonnetNote(r.Deployments))    // registry_jsonnet.go (issue 17)
	b.WriteString(adminFlagsNote(r.Deployments)) // registry_flags.go
	b.WriteString(renderWorkloads(r.Deployments, workloads, lookupErr))
	b.WriteString(holdsNote(holds, r.Deployments))  // unlock_cmds.go
	b.WriteString(driftNote(r.Deployments, drifts)) // drift (issue 12): drift_render.go
	fmt.Fprintf(&b, "\n**Next:** `/rigel diff %s` shows what applying it would change.", r.Deployments[0].Name)
	return b.String()
}

// renderWorkloads lists, per deployment, the workloads carrying its name: applied by Rigel or
// linked with /rigel link.
func renderWorkloads(deps []config.Deployment, workloads map[string][]kube.WorkloadRef, lookupErr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nWorkloads (Deployments, StatefulSets, DaemonSets carrying `%s`, applied by Rigel or linked):\n\n", sync.AnnotationSourceRepo)
	if lookupErr != nil {
		fmt.Fprintf(&b, "- Rigel could not list them: %s\n", cell(lookupErr.Error()))
		return b.String()
	}
	for _, d := range deps {
		refs := workloads[d.Name]
		if len(refs) == 0 {
			fmt.Fprintf(&b, "- %s: none\n", code(d.Name))
			continue
		}
		parts := make([]string, len(refs))
		for i, w := range refs {
			parts[i] = fmt.Sprintf("%s %s", w.Kind, code(w.Namespace+"/"+w.Name))
		}
		fmt.Fprintf(&b, "- %s: %s\n", code(d.Name), strings.Join(parts, ", "))
	}
	return b.String()
}

func renderAdded(repo string, added *ops.Added) string {
	d, branch, commit, objects := added.Deployment, added.Branch, added.Commit, added.Objects
	pol := addedChart(added) + addedJsonnet(added) // registry_chart.go (issue 13), registry_jsonnet.go (issue 17)
	if d.Policy != nil && len(d.Policy.Namespaces) > 0 {
		pol += fmt.Sprintf(" Its own policy names the namespaces %s; it only narrows the cluster admin's default policy and never opens a protected namespace: `/rigel policy %s` shows what it may apply.", codeList(d.Policy.Namespaces), d.Name)
	}
	return fmt.Sprintf("✅ Registered deployment %s: folder %s of %s, branch %s (%d object%s at %s).\n\nIts objects will carry `%s: %s` and `%s: %s` once applied.%s\n\n**Next:** `/rigel diff %s` shows what applying it would change.",
		code(d.Name), code(d.Path), repo, code(branch), objects, plural(objects), code(shortSHA(commit)),
		sync.AnnotationSourceRepo, d.Name, sync.AnnotationSourcePath, d.Path, pol, d.Name)
}

func renderRemoved(d ops.Forgotten) string {
	inv := ""
	switch {
	case d.InventoryErr != nil:
		inv = fmt.Sprintf(" Its inventory, the ConfigMap %s in Rigel's namespace, could not be deleted (%s): a cluster admin deletes it.", code(sync.InventoryName(d.Name)), code(d.InventoryErr.Error()))
	case d.Inventory != "":
		inv = fmt.Sprintf(" Its inventory, the ConfigMap %s in Rigel's namespace, was deleted.", code(d.Inventory))
	}
	return fmt.Sprintf("✅ Removed deployment %s (folder %s).%s The objects it applied stay in the cluster as they are, nothing else was changed or deleted; they keep their `%s` annotation.\n\n**Next:** `/rigel list` shows what is left.",
		code(d.Name), code(d.Path), inv, sync.AnnotationSourceRepo)
}

func renderFolders(repo, label, commit string, folders []string, registered map[string]string, charts map[string]ops.ChartFolder) string {
	if len(folders) == 0 {
		return fmt.Sprintf("No folder of %s on %s (`%s`) holds Kubernetes manifests (`*.yaml`, `*.yml` or `*.json` with `apiVersion` and `kind`, or a `kustomization.yaml`).\n\n**Next:** push manifests, then `/rigel add-deployment PATH`.", repo, label, shortSHA(commit))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d folder%s of %s on %s (`%s`) hold%s manifests.\n\n| folder | register it with |\n|---|---|\n",
		len(folders), plural(len(folders)), repo, label, shortSHA(commit), map[bool]string{true: "s", false: ""}[len(folders) == 1])
	first := ""
	for _, f := range folders {
		if name, ok := registered[f]; ok {
			fmt.Fprintf(&b, "| %s | registered as %s |\n", cellCode(f), cellCode(name))
			continue
		}
		cmd := "/rigel add-deployment " + f
		if first == "" {
			first = cmd
		}
		fmt.Fprintf(&b, "| %s | %s |\n", cellCode(f), cellCode(cmd))
	}
	b.WriteString(chartsNote(charts)) // registry_chart.go (issue 13)
	if first != "" {
		fmt.Fprintf(&b, "\n**Next:** %s (add `--name NAME` to choose the name).", code(first))
	} else {
		b.WriteString("\n**Next:** every folder is registered: `/rigel list` shows them.")
	}
	return b.String()
}

// invalidEntriesNote lists the invalid entries of repo for `/rigel list` ("" when none).
func invalidEntriesNote(entries []*config.InvalidEntry, repo string) string {
	if len(entries) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n\n⚠️ %d registry entr%s of %s %s invalid and ignored until a cluster admin fixes %s in ConfigMap `%s`:",
		len(entries), pluralOf(len(entries), "y", "ies"), repo, pluralOf(len(entries), "is", "are"), pluralOf(len(entries), "it", "them"), config.SourcesConfigMap)
	for _, e := range entries {
		b.WriteString("\n\n" + words.QuotedEntry(e))
	}
	return b.String()
}
