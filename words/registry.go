package words

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// The wording of the registry's refusals (ops/refusals_registry.go): registering, forgetting
// and picking deployments, registered repositories, invalid registry entries.

// registryKind says whether a NotFound is the registry's (a deployment or a repository).
func registryKind(kind string) bool {
	return kind == ops.KindDeployment || kind == ops.KindRepository
}

// sayNotFound refuses a deployment or repository the registry does not have.
func sayNotFound(e *ops.NotFound, h Hints) string {
	switch {
	case e.Kind == ops.KindRepository:
		return fmt.Sprintf("%s is not registered. %s shows the registered repos.", Short(e.Name), h.Deployments)
	case e.Repo == "":
		return fmt.Sprintf("there is no deployment named %s. %s shows them all.", Code(Short(e.Name)), h.Deployments)
	}
	return fmt.Sprintf("there is no deployment named %s.%s", Code(Short(e.Name)), knownNames(e.Known, h))
}

// KnownNames names the deployments of repo, for a refusal about an unknown one: " This repo
// has: `web`, `api`. … shows them."
func KnownNames(repo *config.Repo, h Hints) string {
	var names []string
	if repo != nil {
		for _, d := range repo.Deployments {
			names = append(names, d.Name)
		}
	}
	return knownNames(names, h)
}

func knownNames(names []string, h Hints) string {
	if len(names) == 0 {
		return " This repo has none yet: " + h.Add + " registers one."
	}
	s := " This repo has:"
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += " `" + n + "`"
	}
	return s + ". " + h.Deployments + " shows them."
}

// sayBadFolder refuses a folder typed by a person.
func sayBadFolder(e *ops.BadFolder) string {
	switch e.Why {
	case ops.FolderAbsolute:
		return fmt.Sprintf("%s is an absolute path. Give a folder relative to the repository root, e.g. `apps/web/k8s`.", Code(Short(e.Folder)))
	case ops.FolderChar:
		return fmt.Sprintf("%s has the character %s, which Rigel does not accept in a folder name. Use letters, digits, `.`, `_`, `-` and `/`.", Code(Short(e.Folder)), Code(fmt.Sprintf("%q", e.Char)))
	}
	return fmt.Sprintf("%s leaves the repository. Give a folder inside it, e.g. `apps/web/k8s`.", Code(Short(e.Folder)))
}

// sayBadName refuses a deployment name, with a valid one to register the folder as.
func sayBadName(e *ops.BadName, h Hints) string {
	return fmt.Sprintf("%s cannot be a deployment name: %s. Choose another, e.g. %s.", Code(Short(e.Name)), Text(e.Reason), h.Named(e.Folder, e.Suggest))
}

// sayNoManifests refuses a folder without manifests.
func sayNoManifests(e *ops.NoManifests, h Hints) string {
	msg := fmt.Sprintf("`%s` on %s holds no manifests (no `*.yaml`, `*.yml` or `*.json` with `apiVersion` and `kind`, no `*.jsonnet`, and no `kustomization.yaml`). %s lists the folders that do.", e.Folder, Label(e.At), h.Folders)
	if len(e.Found) == 0 {
		return msg
	}
	var b strings.Builder
	b.WriteString(msg + "\n\nWhat it holds:\n")
	for _, f := range e.Found { // issue 17: file names and what Rigel makes of them
		name, what, ok := strings.Cut(f, ": ")
		if !ok {
			fmt.Fprintf(&b, "- %s\n", Text(f))
			continue
		}
		fmt.Fprintf(&b, "- %s: %s\n", Code(name), Text(what))
	}
	return b.String()
}

// sayTaken refuses a name or folder registered already.
func sayTaken(e *ops.Taken, h Hints) string {
	if e.Why == ops.TakenFolder && e.Chart { // issue 13
		return fmt.Sprintf("the chart `%s` is already registered as `%s` with the same chart settings. One chart may be several deployments with different settings (values files, release, namespace, set-file). %s shows the deployments of this repo.", e.Folder, e.By, h.Deployments)
	}
	if e.Why == ops.TakenFolder && e.Jsonnet { // issue 17
		return fmt.Sprintf("`%s` is already registered as `%s` with the same jsonnet settings. One jsonnet folder may be several deployments with different settings (`--tla`, `--ext-var`, `--jsonnet-lib`). %s shows the deployments of this repo.", e.Folder, e.By, h.Deployments)
	}
	if e.Why == ops.TakenFolder {
		return fmt.Sprintf("`%s` is already registered as `%s`. %s shows the deployments of this repo.", e.Folder, e.By, h.Deployments)
	}
	return fmt.Sprintf("the name `%s` is already taken by a deployment of %s (names are unique across all repos). Choose another: %s.", e.Name, e.Repo, h.Named(e.Folder, e.Name+"-2"))
}

// sayInvalidEntries answers a request about registry entries that are not valid (the
// registry is validated on every read, config/registry_validate.go): it names each and what
// to fix. Nothing was done.
func sayInvalidEntries(e *ops.InvalidEntries) string {
	var b strings.Builder
	b.WriteString("the registry entry this command needs is invalid, so Rigel ignores it. Nothing was done.")
	for _, x := range e.Entries {
		b.WriteString("\n\n" + QuotedEntry(x))
	}
	return b.String()
}

// QuotedEntry is an entry's problem in a code block: it quotes the ConfigMap's values, which
// whoever can edit the ConfigMap chose, so no mention, link or HTML of theirs renders.
func QuotedEntry(e *config.InvalidEntry) string {
	text := Visible(e.Error())
	f := Fence(text)
	return f + "text\n" + text + "\n" + f
}

// The refusals of picking a conversation's deployments (ops.Deployments), which only
// commands ask for: they name the command to type.

func sayNoDeployments(e *ops.NoDeployments) string {
	return fmt.Sprintf("%s has no deployments yet. Register a folder first: `/rigel add-deployment PATH` (or `/rigel add-deployment` to see the folders that hold manifests).", e.Repo)
}

func sayAmbiguous(e *ops.Ambiguous) string {
	return fmt.Sprintf("%s has %d deployments: say which, e.g. `/rigel %s %s`, or `/rigel %s --all`.", e.Repo, len(e.Deployments), e.Verb, e.Deployments[0], e.Verb)
}

func sayOtherRepo(e *ops.OtherRepo) string {
	switch e.Verb {
	case ops.Forgetting:
		return fmt.Sprintf("the deployment `%s` belongs to %s: remove it from a conversation of that repo.", e.Deployment, e.Repo)
	case "link":
		return fmt.Sprintf("the deployment `%s` belongs to %s: link workloads to it from a conversation of that repo.", e.Deployment, e.Repo)
	}
	return fmt.Sprintf("the deployment `%s` belongs to %s: run `/rigel %s %s` in a conversation of that repo.", e.Deployment, e.Repo, e.Verb, e.Deployment)
}
