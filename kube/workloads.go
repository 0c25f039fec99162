package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"

	"github.com/rigel-gitops/rigel/fault"
)

// WorkloadKinds are the kinds of workload that can be linked to a deployment, in the order
// they are listed.
var WorkloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet"}

var workloadResources = map[string]schema.GroupVersionResource{
	"Deployment":  {Group: "apps", Version: "v1", Resource: "deployments"},
	"StatefulSet": {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"DaemonSet":   {Group: "apps", Version: "v1", Resource: "daemonsets"},
}

var workloadAliases = map[string]string{
	"deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
	"statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
	"daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
}

// WorkloadKind returns the kind a person means by s ("deploy", "STS", "daemonset", …), case
// insensitively, and whether it is one of WorkloadKinds.
func WorkloadKind(s string) (string, bool) {
	k, ok := workloadAliases[strings.ToLower(s)]
	return k, ok
}

// WorkloadRef names a workload.
type WorkloadRef struct {
	Kind, Namespace, Name string
}

// String is "Kind/namespace/name".
func (r WorkloadRef) String() string { return r.Kind + "/" + r.Namespace + "/" + r.Name }

// Workload is the metadata of a workload in the cluster.
type Workload struct {
	WorkloadRef
	Annotations     map[string]string
	ResourceVersion string
}

// notFound says a workload does not exist: a *fault.NotFound of its kind.
func notFound(ref WorkloadRef) error {
	return &fault.NotFound{Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace}
}

func (c *Client) metadata() (metadata.Interface, error) {
	m, err := metadata.NewForConfig(c.Config)
	if err != nil {
		return nil, fmt.Errorf("failed to build metadata client: %w", err)
	}
	return m, nil
}

func resourceOf(kind string) (schema.GroupVersionResource, error) {
	gvr, ok := workloadResources[kind]
	if !ok {
		return gvr, fmt.Errorf("%s is not a workload kind (%s)", kind, strings.Join(WorkloadKinds, ", "))
	}
	return gvr, nil
}

// GetWorkload reads a workload's metadata. A missing workload is a *fault.NotFound.
func (c *Client) GetWorkload(ctx context.Context, ref WorkloadRef) (*Workload, error) {
	gvr, err := resourceOf(ref.Kind)
	if err != nil {
		return nil, err
	}
	m, err := c.metadata()
	if err != nil {
		return nil, err
	}
	obj, err := m.Resource(gvr).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, notFound(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", ref, err)
	}
	return &Workload{WorkloadRef: ref, Annotations: obj.Annotations, ResourceVersion: obj.ResourceVersion}, nil
}

// Annotate sets and removes annotations of a workload and changes nothing else: a JSON merge
// patch of metadata.annotations on the object itself (not its pod template), so nothing is
// rolled out. With resourceVersion set the patch applies only if the workload is still at that
// version (a conflict error otherwise, apierrors.IsConflict).
func (c *Client) Annotate(ctx context.Context, ref WorkloadRef, resourceVersion string, set map[string]string, remove ...string) error {
	gvr, err := resourceOf(ref.Kind)
	if err != nil {
		return err
	}
	annotations := map[string]any{}
	for k, v := range set {
		annotations[k] = v
	}
	for _, k := range remove {
		annotations[k] = nil // null deletes the key in a merge patch
	}
	meta := map[string]any{"annotations": annotations}
	if resourceVersion != "" {
		meta["resourceVersion"] = resourceVersion
	}
	patch, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return fmt.Errorf("failed to encode the patch of %s: %w", ref, err)
	}
	_, err = c.Dynamic.Resource(gvr).Namespace(ref.Namespace).Patch(ctx, ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "rigel-link"})
	switch {
	case apierrors.IsNotFound(err):
		return notFound(ref)
	case err != nil:
		return fmt.Errorf("failed to annotate %s: %w", ref, err)
	}
	return nil
}

// FindWorkloads lists the workloads of every kind in all namespaces that carry the annotation
// key, grouped by its value and sorted by kind, namespace and name. It makes one LIST of
// metadata per kind.
func (c *Client) FindWorkloads(ctx context.Context, key string) (map[string][]WorkloadRef, error) {
	m, err := c.metadata()
	if err != nil {
		return nil, err
	}
	out := map[string][]WorkloadRef{}
	for _, kind := range WorkloadKinds {
		list, err := m.Resource(workloadResources[kind]).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("failed to list %ss: %w", kind, err)
		}
		for _, it := range list.Items {
			if v, ok := it.Annotations[key]; ok {
				out[v] = append(out[v], WorkloadRef{Kind: kind, Namespace: it.Namespace, Name: it.Name})
			}
		}
	}
	order := map[string]int{}
	for i, k := range WorkloadKinds {
		order[k] = i
	}
	for _, refs := range out {
		sort.Slice(refs, func(i, j int) bool {
			a, b := refs[i], refs[j]
			if a.Kind != b.Kind {
				return order[a.Kind] < order[b.Kind]
			}
			if a.Namespace != b.Namespace {
				return a.Namespace < b.Namespace
			}
			return a.Name < b.Name
		})
	}
	return out, nil
}
