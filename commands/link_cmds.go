package commands

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/ops"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/policy"
	"github.com/rigel-gitops/rigel/sync"
)

// workloadArg reads "KIND/NAME" and the namespace flag.
func (c *call) workloadArg(arg string) (kube.WorkloadRef, error) {
	kindWord, name, ok := strings.Cut(arg, "/")
	kind, known := kube.WorkloadKind(kindWord)
	if !ok || !known || name == "" {
		return kube.WorkloadRef{}, userErrorf("%s is not KIND/NAME of a workload. Use `deployment/NAME` (`deploy/`), `statefulset/NAME` (`sts/`) or `daemonset/NAME` (`ds/`), e.g. `/rigel %s deploy/web -n shop`.", code(short(arg)), c.cmd.Verb)
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return kube.WorkloadRef{}, userErrorf("%s cannot be the name of a %s: %s.", code(short(name)), kind, errs[0])
	}
	ns := "default"
	if v, ok := c.cmd.Flag("namespace"); ok {
		ns = v
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return kube.WorkloadRef{}, userErrorf("%s cannot be a namespace: %s.", code(short(ns)), errs[0])
	}
	return kube.WorkloadRef{Kind: kind, Namespace: ns, Name: name}, nil
}

// typed is how a person names a workload in a command: "deploy/web -n shop" style.
func typed(ref kube.WorkloadRef) string {
	return fmt.Sprintf("%s/%s -n %s", strings.ToLower(ref.Kind), ref.Name, ref.Namespace)
}

func (c *call) getWorkload(ctx context.Context, ref kube.WorkloadRef) (*kube.Workload, error) {
	w, err := c.r.Workloads.GetWorkload(ctx, ref)
	var nf *kube.NotFoundError
	if errors.As(err, &nf) {
		return nil, userErrorf("there is no %s `%s` in namespace `%s`. Check the kind, the name and the namespace (`-n NAMESPACE`, default `default`).", ref.Kind, ref.Name, ref.Namespace)
	}
	return w, err
}

// ownerRepo is the repo whose deployment a workload is linked to, "" when the registry has none.
func ownerRepo(src *config.Sources, deployment string) string {
	if owner, dep := src.FindDeployment(deployment); dep != nil {
		return owner.Repo
	}
	return ""
}

func runLink(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("namespace", "force"); err != nil {
		return "", err
	}
	if len(c.cmd.Args) != 2 {
		return "", userErrorf("`link` takes a workload and a deployment, e.g. `/rigel link deploy/web -n shop web`.")
	}
	ref, err := c.workloadArg(c.cmd.Args[0])
	if err != nil {
		return "", err
	}
	name := c.cmd.Args[1]
	src, err := c.r.Registry.Load(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the registry: %w", err)
	}
	owner, found := src.FindDeployment(name)
	switch {
	case found == nil:
		return "", userErrorf("there is no deployment named %s.%s", code(short(name)), knownNames(src.FindRepo(c.req.Repo.FullName())))
	case owner.Repo != c.req.Repo.FullName():
		return "", userErrorf("the deployment `%s` belongs to %s: link workloads to it from a conversation of that repo.", name, owner.Repo)
	}
	dep := *found
	if v := policy.Violations(c.r.PolicyOf(dep), sync.Change{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}}); len(v) > 0 {
		return "", userErrorf("the policy of the deployment `%s` does not allow %s `%s` in namespace `%s`: %s. Nothing was changed. `/rigel policy %s` shows the policy and how cluster admins change it.",
			dep.Name, ref.Kind, ref.Name, ref.Namespace, v[0].Msg, dep.Name)
	}
	_, force := c.cmd.Flag("force")
	var before string // the deployment it was linked to, when relinked
	unchanged := false
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		w, err := c.getWorkload(ctx, ref)
		if err != nil {
			return err
		}
		link := LinkOf(src, w)
		cur, linked := link.Name, link.Linked
		if linked && cur == dep.Name && link.Path == dep.Path {
			unchanged = true
			return nil
		}
		if linked && cur != dep.Name {
			if other := link.OwnerRepo(); other != "" && other != c.req.Repo.FullName() {
				return userErrorf("%s `%s` in namespace `%s` is linked to the deployment `%s` of %s. Only a conversation of that repo can unlink it: `/rigel unlink %s` there.", ref.Kind, ref.Name, ref.Namespace, cur, other, typed(ref))
			}
			if !force {
				return userErrorf("%s `%s` in namespace `%s` is already linked to the deployment `%s` (folder `%s`). Nothing was changed. To link it to `%s` instead: `/rigel link %s %s --force`.",
					ref.Kind, ref.Name, ref.Namespace, cur, link.Path, dep.Name, typed(ref), dep.Name)
			}
			before = cur
		}
		return c.r.Workloads.Annotate(ctx, ref, w.ResourceVersion, map[string]string{sync.AnnotationSourceRepo: dep.Name, sync.AnnotationSourcePath: dep.Path})
	})
	if err != nil {
		return "", linkError(ref, err)
	}
	if unchanged {
		return fmt.Sprintf("%s `%s` in namespace `%s` is already linked to %s (folder %s). Nothing was changed.\n\n**Next:** `/rigel list` shows the workloads of each deployment.",
			ref.Kind, ref.Name, ref.Namespace, code(dep.Name), code(dep.Path)), nil
	}
	return renderLinked(ref, dep, before), nil
}

func runUnlink(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("namespace"); err != nil {
		return "", err
	}
	if len(c.cmd.Args) != 1 {
		return "", userErrorf("`unlink` takes one workload, e.g. `/rigel unlink deploy/web -n shop`.")
	}
	ref, err := c.workloadArg(c.cmd.Args[0])
	if err != nil {
		return "", err
	}
	src, err := c.r.Registry.Load(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the registry: %w", err)
	}
	var was string
	linked := false
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		w, err := c.getWorkload(ctx, ref)
		if err != nil {
			return err
		}
		_, hasRepo := w.Annotations[sync.AnnotationSourceRepo]
		_, hasPath := w.Annotations[sync.AnnotationSourcePath]
		linked = hasRepo || hasPath
		if !linked {
			return nil
		}
		link := LinkOf(src, w)
		was = link.Name
		if other := link.OwnerRepo(); other != "" && other != c.req.Repo.FullName() {
			return userErrorf("%s `%s` in namespace `%s` is linked to the deployment `%s` of %s. Only a conversation of that repo can unlink it.", ref.Kind, ref.Name, ref.Namespace, was, other)
		}
		return c.r.Workloads.Annotate(ctx, ref, w.ResourceVersion, nil, sync.AnnotationSourceRepo, sync.AnnotationSourcePath)
	})
	if err != nil {
		return "", linkError(ref, err)
	}
	if !linked {
		return fmt.Sprintf("%s `%s` in namespace `%s` is not linked to any deployment (it has no `%s` annotation). Nothing was changed.\n\n**Next:** `/rigel link %s DEPLOYMENT` links it.",
			ref.Kind, ref.Name, ref.Namespace, sync.AnnotationSourceRepo, typed(ref)), nil
	}
	return fmt.Sprintf("✅ Unlinked %s `%s` in namespace `%s` from %s: removed its `%s` and `%s` annotations. Nothing else was changed and nothing was rolled out.\n\n**Next:** `/rigel link %s DEPLOYMENT` links it again.",
		ref.Kind, ref.Name, ref.Namespace, code(was), sync.AnnotationSourceRepo, sync.AnnotationSourcePath, typed(ref)), nil
}

func linkError(ref kube.WorkloadRef, err error) error {
	var nf *kube.NotFoundError
	switch {
	case ops.IsRefusal(err):
		return err
	case errors.As(err, &nf):
		return userErrorf("%s `%s` in namespace `%s` was deleted meanwhile. Nothing was changed.", ref.Kind, ref.Name, ref.Namespace)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s kept changing while Rigel annotated it: %w", ref, err)
	}
	return err
}

func renderLinked(ref kube.WorkloadRef, dep config.Deployment, before string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "✅ Linked %s `%s` in namespace `%s` to deployment %s", ref.Kind, ref.Name, ref.Namespace, code(dep.Name))
	if before != "" {
		fmt.Fprintf(&b, " (it was linked to %s)", code(before))
	}
	fmt.Fprintf(&b, ".\n\nIt now carries `%s: %s` and `%s: %s`. Only these annotations changed: its spec and pod template are untouched and nothing was rolled out.\n\n**Next:** `/rigel list` shows the workloads of each deployment; `/rigel unlink %s` undoes this.",
		sync.AnnotationSourceRepo, dep.Name, sync.AnnotationSourcePath, dep.Path, typed(ref))
	return b.String()
}
