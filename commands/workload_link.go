package commands

import (
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// WorkloadLink is what a workload's annotations say about the deployment it belongs to, and
// that deployment when it is registered.
type WorkloadLink struct {
	Name       string             // the deployment its helmsman.dev/source-repo names; "" when none
	Path       string             // the folder its helmsman.dev/source-path names
	Linked     bool               // it carries helmsman.dev/source-repo (possibly empty)
	Owner      *config.Repo       // the repository of the deployment Name, when registered
	Deployment *config.Deployment // the deployment Name, when registered
}

// LinkOf is the one workload→deployment lookup (link, unlink, fix, and the HTTP API's fix):
// the deployment w's helmsman.dev/source-repo annotation names, looked up in src.
func LinkOf(src *config.Sources, w *kube.Workload) WorkloadLink {
	l := WorkloadLink{Path: w.Annotations[sync.AnnotationSourcePath]}
	l.Name, l.Linked = w.Annotations[sync.AnnotationSourceRepo]
	if src != nil {
		l.Owner, l.Deployment = src.FindDeployment(l.Name)
	}
	return l
}

// OwnerRepo is the repository of the deployment the workload is linked to, or "" when that
// deployment is not registered.
func (l WorkloadLink) OwnerRepo() string {
	if l.Deployment == nil {
		return ""
	}
	return l.Owner.Repo
}
