package main

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// showObjects lists what Rigel applied in a namespace with its provenance, as `kubectl get`
// would with the two annotations as columns.
func showObjects(ctx context.Context, kc *kube.Client, ns string) error {
	type line struct{ kind, name, repo, path, extra string }
	var lines []line
	cms, err := kc.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("failed to list config maps: %w", err)
	}
	for _, o := range cms.Items {
		lines = append(lines, line{"ConfigMap", o.Name, o.Annotations[sync.AnnotationSourceRepo], o.Annotations[sync.AnnotationSourcePath], fmt.Sprintf("%d keys", len(o.Data))})
	}
	secs, err := kc.Typed.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("failed to list secrets: %w", err)
	}
	for _, o := range secs.Items {
		lines = append(lines, line{"Secret", o.Name, o.Annotations[sync.AnnotationSourceRepo], o.Annotations[sync.AnnotationSourcePath], fmt.Sprintf("%d keys (values not shown)", len(o.Data))})
	}
	svcs, err := kc.Typed.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("failed to list services: %w", err)
	}
	for _, o := range svcs.Items {
		lines = append(lines, line{"Service", o.Name, o.Annotations[sync.AnnotationSourceRepo], o.Annotations[sync.AnnotationSourcePath], "cluster IP " + o.Spec.ClusterIP})
	}
	deps, err := kc.Typed.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("failed to list deployments: %w", err)
	}
	for _, o := range deps.Items {
		lines = append(lines, line{"Deployment", o.Name, o.Annotations[sync.AnnotationSourceRepo], o.Annotations[sync.AnnotationSourcePath], fmt.Sprintf("%d/%d available, image %s", o.Status.AvailableReplicas, *o.Spec.Replicas, o.Spec.Template.Spec.Containers[0].Image)})
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].kind+lines[i].name < lines[j].kind+lines[j].name })
	fmt.Printf("%-11s %-12s %-26s %-26s %s\n", "KIND", "NAME", sync.AnnotationSourceRepo, sync.AnnotationSourcePath, "")
	for _, l := range lines {
		fmt.Printf("%-11s %-12s %-26s %-26s %s\n", l.kind, l.name, l.repo, l.path, l.extra)
	}
	return nil
}

func showConfigMap(ctx context.Context, kc *kube.Client) error {
	cm, err := kc.Typed.CoreV1().ConfigMaps(namespace).Get(ctx, config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("failed to read the registry: %w", err)
	}
	out, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": cm.Name, "namespace": cm.Namespace}, "data": cm.Data})
	if err != nil {
		return err
	}
	fmt.Print(string(out))
	return nil
}
