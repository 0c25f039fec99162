package ops

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/policy"
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

// LinkRequest asks to mark a workload as part of a deployment of the call's repository.
type LinkRequest struct {
	Workload   kube.WorkloadRef
	Deployment string // its name, as asked for
	Force      bool   // relink a workload linked to another deployment of the repository
}

// Linked is what Link did.
type Linked struct {
	Workload   kube.WorkloadRef
	Deployment config.Deployment // the deployment it is linked to now
	Before     string            // the deployment it was linked to, when relinked
	Unchanged  bool              // it was linked to Deployment already: nothing was changed
}

// Link marks a workload as part of a deployment of the call's repository: its annotations
// helmsman.dev/source-repo and -path name the deployment and its folder. Only these
// annotations change (nothing is rolled out). It refuses a deployment that does not exist
// (*NotFound) or is another repository's (*OtherRepo), a workload the deployment's
// policy does not allow (*Policy) or that does not exist (*NotFound), one linked to a
// deployment of another repository (*LinkedElsewhere) or, without Force, to another of this
// one (*AlreadyLinked), and one deleted meanwhile (*Deleted).
func (s *Service) Link(ctx context.Context, call Call, req LinkRequest) (*Linked, error) {
	ref, name, here := req.Workload, req.Deployment, call.Repo.FullName()
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the registry: %w", err)
	}
	owner, found := src.FindDeployment(name)
	switch {
	case found == nil:
		return nil, &NotFound{Kind: "deployment", Name: name, Repo: here, Known: deploymentNames(src.FindRepo(here))}
	case owner.Repo != here:
		return nil, &OtherRepo{Deployment: name, Repo: owner.Repo, Verb: "link"}
	}
	dep := *found
	if v := policy.Violations(s.PolicyOf(dep), workloadChange(ref)); len(v) > 0 {
		return nil, &Policy{Object: &PolicyObject{Deployment: dep.Name, Verb: "link", Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace, Msg: v[0].Msg}}
	}
	out := &Linked{Workload: ref, Deployment: dep}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		w, err := s.Workloads.GetWorkload(ctx, ref)
		if err != nil {
			return err
		}
		link := LinkOf(src, w)
		cur, linked := link.Name, link.Linked
		if linked && cur == dep.Name && link.Path == dep.Path {
			out.Unchanged = true
			return nil
		}
		if linked && cur != dep.Name {
			if other := link.OwnerRepo(); other != "" && other != here {
				return &LinkedElsewhere{Workload: ref, Deployment: cur, Repo: other, Verb: "link"}
			}
			if !req.Force {
				return &AlreadyLinked{Workload: ref, To: cur, Path: link.Path, Want: dep.Name}
			}
			out.Before = cur
		}
		return annotated(ref, s.Workloads.Annotate(ctx, ref, w.ResourceVersion, map[string]string{sync.AnnotationSourceRepo: dep.Name, sync.AnnotationSourcePath: dep.Path}))
	})
	if err != nil {
		return nil, linkError(ref, err)
	}
	return out, nil
}

// Unlinked is what Unlink did.
type Unlinked struct {
	Workload kube.WorkloadRef
	Was      bool   // it carried a link: the annotations were removed
	From     string // the deployment it was linked to
}

// Unlink removes a workload's helmsman.dev/source-repo and -path annotations (nothing else
// changes). A workload without them is left as it is (Was is false). It refuses a workload
// that does not exist (*NotFound), one linked to a deployment of another repository
// (*LinkedElsewhere), and one deleted meanwhile (*Deleted).
func (s *Service) Unlink(ctx context.Context, call Call, ref kube.WorkloadRef) (*Unlinked, error) {
	src, err := s.Registry.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to read the registry: %w", err)
	}
	out := &Unlinked{Workload: ref}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		w, err := s.Workloads.GetWorkload(ctx, ref)
		if err != nil {
			return err
		}
		_, hasRepo := w.Annotations[sync.AnnotationSourceRepo]
		_, hasPath := w.Annotations[sync.AnnotationSourcePath]
		out.Was = hasRepo || hasPath
		if !out.Was {
			return nil
		}
		link := LinkOf(src, w)
		out.From = link.Name
		if other := link.OwnerRepo(); other != "" && other != call.Repo.FullName() {
			return &LinkedElsewhere{Workload: ref, Deployment: link.Name, Repo: other, Verb: "unlink"}
		}
		return annotated(ref, s.Workloads.Annotate(ctx, ref, w.ResourceVersion, nil, sync.AnnotationSourceRepo, sync.AnnotationSourcePath))
	})
	if err != nil {
		return nil, linkError(ref, err)
	}
	return out, nil
}

// annotated is the error of annotating a workload read just before: gone now, it was deleted
// meanwhile.
func annotated(ref kube.WorkloadRef, err error) error {
	if fault.IsNotFound(err, "") {
		return &Deleted{Workload: ref}
	}
	return err
}

// linkError says what failed when linking or unlinking a workload; refusals pass unchanged.
func linkError(ref kube.WorkloadRef, err error) error {
	if !IsRefusal(err) && apierrors.IsConflict(err) {
		return fmt.Errorf("%s kept changing while Rigel annotated it: %w", ref, err)
	}
	return err
}

// workloadChange is the workload as a change of a plan, for policy.Violations.
func workloadChange(ref kube.WorkloadRef) sync.Change {
	return sync.Change{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}}
}

// deploymentNames are the names of repo's deployments (none when repo is nil).
func deploymentNames(repo *config.Repo) []string {
	if repo == nil {
		return []string{}
	}
	names := make([]string, len(repo.Deployments))
	for i, d := range repo.Deployments {
		names[i] = d.Name
	}
	return names
}
