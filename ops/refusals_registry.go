package ops

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
)

// The refusals of the registry operations (register.go, deployments.go): each says what was
// refused with the facts an adapter words it with (words/registry.go). Nothing was changed.
// A deployment or repository that is not registered is a *NotFound of KindDeployment or
// KindRepository, with Repo and Known set when the request came from a repository's
// conversation (what that repository has instead).

// The kinds of NotFound the registry answers.
const (
	KindDeployment = config.KindDeployment // no deployment has the name
	KindRepository = config.KindRepository // no repository of the name is registered
)

// FolderFault is what is wrong with a folder typed by a person.
type FolderFault int

// What can be wrong with a folder.
const (
	FolderAbsolute FolderFault = iota + 1 // an absolute path
	FolderChar                            // a character Rigel does not accept (Char)
	FolderOutside                         // it leaves the repository
)

// BadFolder refuses a folder to register that Rigel does not accept.
type BadFolder struct {
	Folder string // as given (untrusted: quote it where it is shown)
	Why    FolderFault
	Char   rune // the refused character, when Why is FolderChar
}

func (e *BadFolder) Error() string {
	why := map[FolderFault]string{FolderAbsolute: "is absolute", FolderChar: fmt.Sprintf("has the character %q", e.Char), FolderOutside: "leaves the repository"}[e.Why]
	return fmt.Sprintf("folder %q %s", e.Folder, why)
}

// Refused marks BadFolder as a refusal.
func (e *BadFolder) Refused() {}

// BadName refuses a deployment name that is not a DNS label.
type BadName struct {
	Name    string // as given, or derived from the folder (untrusted)
	Reason  string // what is wrong with it (config.ValidateName)
	Folder  string // the folder it was to name
	Suggest string // a valid name close to it (config.SanitizeName)
}

func (e *BadName) Error() string {
	return fmt.Sprintf("%q cannot be a deployment name: %s", e.Name, e.Reason)
}

// Refused marks BadName as a refusal.
func (e *BadName) Refused() {}

// NoManifests refuses a folder that holds no manifests at the commit it was checked at.
type NoManifests struct {
	Folder string
	At     Target
	Commit string
	Found  []string // issue 17: what it holds instead, "name: what it is" (sync.EmptyFolderError)
}

func (e *NoManifests) Error() string {
	return fmt.Sprintf("folder %s at %s holds no manifests", e.Folder, e.Commit)
}

// Refused marks NoManifests as a refusal.
func (e *NoManifests) Refused() {}

// TakenWhat is what of a registration is registered already.
type TakenWhat int

// What can be taken.
const (
	TakenName   TakenWhat = iota + 1 // the name, by a deployment of Repo (names are unique across repos)
	TakenFolder                      // the folder, by the deployment By of the same repository
)

// Taken refuses to register a deployment whose name, or folder, is registered already.
type Taken struct {
	Why    TakenWhat
	Name   string // the name asked for
	Folder string // the folder asked for
	Repo   string // TakenName: the repository whose deployment has the name
	By     string // TakenFolder: the deployment registered for the folder
	// Chart (issue 13): TakenFolder of a Helm chart, registered with the same chart settings
	// (another deployment of it needs other settings).
	Chart bool
	// Jsonnet (issue 17): TakenFolder of a folder of *.jsonnet files, registered with the same
	// jsonnet settings (another deployment of it needs other settings).
	Jsonnet bool
}

func (e *Taken) Error() string {
	if e.Why == TakenFolder {
		return fmt.Sprintf("folder %s is already registered as deployment %q", e.Folder, e.By)
	}
	return fmt.Sprintf("deployment name %q is already used by %s", e.Name, e.Repo)
}

// Refused marks Taken as a refusal.
func (e *Taken) Refused() {}

// InvalidEntries refuses an operation that needs registry entries Rigel ignores because they
// are not valid (config/registry_validate.go): a cluster admin fixes them in the ConfigMap.
type InvalidEntries struct {
	Entries []*config.InvalidEntry
}

func (e *InvalidEntries) Error() string {
	msgs := make([]string, len(e.Entries))
	for i, x := range e.Entries {
		msgs[i] = x.Error()
	}
	return "invalid registry entries: " + strings.Join(msgs, "; ")
}

// Refused marks InvalidEntries as a refusal.
func (e *InvalidEntries) Refused() {}

// NoDeployments refuses to pick "the deployments" of a repository that has none.
type NoDeployments struct {
	Repo string
}

func (e *NoDeployments) Error() string { return e.Repo + " has no deployments" }

// Refused marks NoDeployments as a refusal.
func (e *NoDeployments) Refused() {}

// Ambiguous refuses to pick "the deployment" of a repository that has several: the request
// must name them, or ask for all.
type Ambiguous struct {
	Repo        string
	Deployments []string // its deployments' names
	Verb        string   // what the request was to do with it (Pick.Verb)
}

func (e *Ambiguous) Error() string {
	return fmt.Sprintf("%s has %d deployments and none was named", e.Repo, len(e.Deployments))
}

// Refused marks Ambiguous as a refusal.
func (e *Ambiguous) Refused() {}

// Forgetting is OtherRepo.Verb when the deployment was to be forgotten (Forget).
const Forgetting = "forget"

// OtherRepo refuses to work, from a repository's conversation, on a deployment of another
// repository.
type OtherRepo struct {
	Deployment string
	Repo       string // the repository it belongs to
	Verb       string // what the request was to do with it: Pick.Verb, "link", or Forgetting
}

func (e *OtherRepo) Error() string {
	return fmt.Sprintf("deployment %q belongs to %s", e.Deployment, e.Repo)
}

// Refused marks OtherRepo as a refusal.
func (e *OtherRepo) Refused() {}

// deploymentNotFound refuses a deployment name nothing has; asked from the conversation of
// repo ("" outside one), it names what that repository has instead.
func deploymentNotFound(name, repo string, src *config.Sources) *NotFound {
	nf := &NotFound{Kind: KindDeployment, Name: name}
	if repo == "" {
		return nf
	}
	nf.Repo, nf.Known = repo, []string{}
	if r := src.FindRepo(repo); r != nil {
		for _, d := range r.Deployments {
			nf.Known = append(nf.Known, d.Name)
		}
	}
	return nf
}
