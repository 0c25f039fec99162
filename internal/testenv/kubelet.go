package testenv

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// StuckAnnotation on a workload keeps RunWorkloadStatus from marking it ready, for tests of
// workloads that never become healthy.
const StuckAnnotation = "testenv.rigel.dev/stuck"

// RunWorkloadStatus plays the part of the controllers and kubelets the test bed does not run:
// until ctx ends, it writes the status a healthy rollout would reach on every Deployment,
// StatefulSet and DaemonSet (through the status subresource, as a controller does), so that
// health checks see them become Current. Workloads annotated with StuckAnnotation are left alone.
func RunWorkloadStatus(ctx context.Context, cfg *rest.Config) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			markWorkloads(ctx, cs)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

func markWorkloads(ctx context.Context, cs kubernetes.Interface) {
	apps := cs.AppsV1()
	if list, err := apps.Deployments("").List(ctx, metav1.ListOptions{}); err == nil {
		for i := range list.Items {
			d := &list.Items[i]
			n := replicas(d.Spec.Replicas)
			if d.Annotations[StuckAnnotation] != "" || (d.Status.ObservedGeneration == d.Generation && d.Status.AvailableReplicas == n && d.Status.UpdatedReplicas == n) {
				continue
			}
			d.Status = appsv1.DeploymentStatus{
				ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
				Conditions: []appsv1.DeploymentCondition{
					{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
					{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
				},
			}
			_, _ = apps.Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
		}
	}
	if list, err := apps.StatefulSets("").List(ctx, metav1.ListOptions{}); err == nil {
		for i := range list.Items {
			s := &list.Items[i]
			n := replicas(s.Spec.Replicas)
			if s.Annotations[StuckAnnotation] != "" || (s.Status.ObservedGeneration == s.Generation && s.Status.ReadyReplicas == n) {
				continue
			}
			s.Status = appsv1.StatefulSetStatus{ObservedGeneration: s.Generation, Replicas: n, ReadyReplicas: n, CurrentReplicas: n, UpdatedReplicas: n, AvailableReplicas: n,
				CurrentRevision: "r1", UpdateRevision: "r1"}
			_, _ = apps.StatefulSets(s.Namespace).UpdateStatus(ctx, s, metav1.UpdateOptions{})
		}
	}
	if list, err := apps.DaemonSets("").List(ctx, metav1.ListOptions{}); err == nil {
		for i := range list.Items {
			d := &list.Items[i]
			if d.Annotations[StuckAnnotation] != "" || (d.Status.ObservedGeneration == d.Generation && d.Status.NumberAvailable == 1) {
				continue
			}
			d.Status = appsv1.DaemonSetStatus{ObservedGeneration: d.Generation, DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, UpdatedNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1}
			_, _ = apps.DaemonSets(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
		}
	}
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
