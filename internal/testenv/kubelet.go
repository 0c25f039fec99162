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

// WritePodStatus sets a pod's status through the status subresource, as its kubelet does (the
// test bed runs no kubelet, so pods never start on their own). Container statuses are built
// with ContainerRunning, ContainerOOMKilled and ContainerWaiting; the pod is Ready when every
// container is.
func WritePodStatus(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, containers ...corev1.ContainerStatus) (*corev1.Pod, error) {
	p, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	ready := corev1.ConditionTrue
	for _, c := range containers {
		if !c.Ready {
			ready = corev1.ConditionFalse
		}
	}
	now := metav1.Now()
	p.Status = corev1.PodStatus{
		Phase:             corev1.PodRunning,
		StartTime:         &now,
		ContainerStatuses: containers,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: ready, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: ready, LastTransitionTime: now},
		},
	}
	return cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
}

// ContainerRunning is the status of a started, ready container.
func ContainerRunning(name, image string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Image: image, Ready: true, Started: ptrTrue(),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}
}

// ContainerOOMKilled is the status of a container the kernel killed for using more memory
// than its limit, waiting to be restarted (CrashLoopBackOff) after restarts restarts.
func ContainerOOMKilled(name, image string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Image: image, RestartCount: restarts,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: "back-off 40s restarting failed container=" + name}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled",
			StartedAt: metav1.Now(), FinishedAt: metav1.Now()}}}
}

// ContainerWaiting is the status of a container that has not started: reason is
// ImagePullBackOff, ErrImagePull, CrashLoopBackOff, CreateContainerConfigError, …
func ContainerWaiting(name, image, reason, message string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Image: image,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}}
}

func ptrTrue() *bool { t := true; return &t }

// KubeletEvent records an event about a container of a pod, as its kubelet does (Failed,
// BackOff, Unhealthy, Killing…), seen count times.
func KubeletEvent(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, container, eventType, reason, message string, count int32) error {
	now := metav1.Now()
	_, err := cs.CoreV1().Events(pod.Namespace).Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: pod.Name + ".", Namespace: pod.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			FieldPath: "spec.containers{" + container + "}"},
		Type: eventType, Reason: reason, Message: message, Count: count,
		FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
	}, metav1.CreateOptions{})
	return err
}
