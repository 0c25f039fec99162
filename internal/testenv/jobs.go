package testenv

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// JobOutcomeAnnotation on a Job tells RunJobStatus how it ends: "fail" fails it, "stuck" leaves
// it running; any other value (or none) completes it.
const JobOutcomeAnnotation = "testenv.rigel.dev/job-outcome"

// RunJobStatus plays the part of the Job controller and the kubelets the test bed does not run,
// for the Jobs of namespace ns (hooks, issues 13 and 17): until ctx ends, it writes on each
// Job without a condition the status of a finished Job (Complete, or Failed as
// JobOutcomeAnnotation says) through the status subresource, as the controller does.
func RunJobStatus(ctx context.Context, cfg *rest.Config, ns string) error {
	return RunJobStatusOn(ctx, cfg, ns, nil)
}

// JobLogAnnotation on a Job is what each container of its pod logs, when RunJobStatusOn has a
// kubelet stand-in to serve it.
const JobLogAnnotation = "testenv.rigel.dev/job-log"

// RunJobStatusOn is RunJobStatus that also, when k is not nil, creates each Job's pod on k's
// Node before finishing it (owned by the Job, labelled job-name, as the Job controller creates
// it), whose containers log JobLogAnnotation's text through k.
func RunJobStatusOn(ctx context.Context, cfg *rest.Config, ns string, k *Kubelet) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if list, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{}); err == nil {
				for i := range list.Items {
					j := &list.Items[i]
					outcome := j.Annotations[JobOutcomeAnnotation]
					if len(j.Status.Conditions) > 0 || outcome == "stuck" {
						continue
					}
					if k != nil && k.runPod(ctx, cs, j) != nil {
						continue // tried again on the next tick
					}
					_, _ = cs.BatchV1().Jobs(ns).UpdateStatus(ctx, FinishedJob(j, outcome != "fail"), metav1.UpdateOptions{})
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// FinishedJob is j with the status the Job controller writes when it finishes: complete
// (SuccessCriteriaMet then Complete) or failed (FailureTarget then Failed, backoff limit).
func FinishedJob(j *batchv1.Job, succeed bool) *batchv1.Job {
	j = j.DeepCopy()
	now := metav1.Now()
	j.Status.StartTime = &now
	if succeed {
		j.Status.Succeeded = 1
		j.Status.CompletionTime = &now
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastTransitionTime: now, LastProbeTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastTransitionTime: now, LastProbeTime: now},
		}
		return j
	}
	j.Status.Failed = 1
	j.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastTransitionTime: now, LastProbeTime: now},
		{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastTransitionTime: now, LastProbeTime: now},
	}
	return j
}

// runPod creates the pod of Job j on k's Node, with its logs, unless it exists.
func (k *Kubelet) runPod(ctx context.Context, cs kubernetes.Interface, j *batchv1.Job) error {
	name := j.Name + "-" + string(j.UID)[:5]
	controller := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: j.Namespace, Labels: map[string]string{"job-name": j.Name, "batch.kubernetes.io/job-name": j.Name},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: j.Name, UID: j.UID, Controller: &controller}}},
		Spec: *j.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = k.Node
	if _, err := cs.CoreV1().Pods(j.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	for _, c := range pod.Spec.Containers {
		k.SetLog(j.Namespace, name, c.Name, false, j.Annotations[JobLogAnnotation])
	}
	return nil
}
