package sync

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/kube"
)

// hookLogTimeout bounds the reading of a hook's logs (the apiserver asks the pod's kubelet).
const hookLogTimeout = 10 * time.Second

// hookLogs is a bounded tail of the logs of a hook's pod: the Pod itself, or the newest pod
// of a Job (by the job-name label its controller sets, owned by the Job's uid); or why none.
// Its bounds and the masking of the values of the Secrets the pod reads are kube.LogTail's.
func (e *Engine) hookLogs(ctx context.Context, ref Ref, uid types.UID) string {
	ctx, cancel := context.WithTimeout(ctx, hookLogTimeout)
	defer cancel()
	pods := e.Kube.Typed.CoreV1().Pods(ref.Namespace)
	var pod *corev1.Pod
	if groupKind(ref) == jobGK {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + ref.Name})
		if err != nil {
			return "(no logs: failed to list the Job's pods: " + err.Error() + ")"
		}
		for i := range list.Items {
			p := &list.Items[i]
			if ownedBy(p.OwnerReferences, uid) && (pod == nil || pod.CreationTimestamp.Before(&p.CreationTimestamp)) {
				pod = p
			}
		}
		if pod == nil {
			return "(no logs: the Job has no pod)"
		}
	} else {
		p, err := pods.Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return "(no logs: failed to read pod " + ref.Name + ": " + err.Error() + ")"
		}
		pod = p
	}
	text, err := e.Kube.LogTail(ctx, pod, "", false)
	var withheld *kube.LogsWithheld
	switch {
	case errors.As(err, &withheld):
		return "(logs withheld: pod " + pod.Name + " reads Secret " + withheld.Secret + ", which Rigel could not read to mask its values in the logs)"
	case apierrors.IsForbidden(err):
		return "(no logs: Rigel may not read the logs of pod " + pod.Name + ": a cluster admin grants get on pods/log (the ClusterRole rigel-hooks, the chart's rbac.hooks) to see them here)"
	case err != nil:
		return "(no logs of pod " + pod.Name + ": " + errors.Unwrap(err).Error() + ")"
	case text == "":
		return "(no logs: pod " + pod.Name + " wrote nothing)"
	}
	return text
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}
