package commands

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
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
	_, force := c.cmd.Flag("force")
	out, err := c.r.Ops.Link(ctx, c.opsCall(), ops.LinkRequest{Workload: ref, Deployment: c.cmd.Args[1], Force: force})
	if err != nil {
		return "", err
	}
	if out.Unchanged {
		return fmt.Sprintf("%s `%s` in namespace `%s` is already linked to %s (folder %s). Nothing was changed.\n\n**Next:** `/rigel list` shows the workloads of each deployment.",
			ref.Kind, ref.Name, ref.Namespace, code(out.Deployment.Name), code(out.Deployment.Path)), nil
	}
	return renderLinked(ref, out.Deployment, out.Before), nil
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
	out, err := c.r.Ops.Unlink(ctx, c.opsCall(), ref)
	if err != nil {
		return "", err
	}
	if !out.Was {
		return fmt.Sprintf("%s `%s` in namespace `%s` is not linked to any deployment (it has no `%s` annotation). Nothing was changed.\n\n**Next:** `/rigel link %s DEPLOYMENT` links it.",
			ref.Kind, ref.Name, ref.Namespace, sync.AnnotationSourceRepo, words.Typed(ref)), nil
	}
	return fmt.Sprintf("✅ Unlinked %s `%s` in namespace `%s` from %s: removed its `%s` and `%s` annotations. Nothing else was changed and nothing was rolled out.\n\n**Next:** `/rigel link %s DEPLOYMENT` links it again.",
		ref.Kind, ref.Name, ref.Namespace, code(out.From), sync.AnnotationSourceRepo, sync.AnnotationSourcePath, words.Typed(ref)), nil
}

func renderLinked(ref kube.WorkloadRef, dep config.Deployment, before string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "✅ Linked %s `%s` in namespace `%s` to deployment %s", ref.Kind, ref.Name, ref.Namespace, code(dep.Name))
	if before != "" {
		fmt.Fprintf(&b, " (it was linked to %s)", code(before))
	}
	fmt.Fprintf(&b, ".\n\nIt now carries `%s: %s` and `%s: %s`. Only these annotations changed: its spec and pod template are untouched and nothing was rolled out.\n\n**Next:** `/rigel list` shows the workloads of each deployment; `/rigel unlink %s` undoes this.",
		sync.AnnotationSourceRepo, dep.Name, sync.AnnotationSourcePath, dep.Path, words.Typed(ref))
	return b.String()
}
