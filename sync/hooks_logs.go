package sync

import (
	"context"
	"encoding/base64"
	"regexp"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Bounds of the log tail kept of a hook.
const (
	hookLogLines = 20
	hookLogBytes = 4096
	// hookLogTimeout bounds the reading of a hook's logs (the apiserver asks the pod's kubelet).
	hookLogTimeout = 10 * time.Second
	// minMasked is the shortest Secret value masked in a log tail: shorter values ("1", "on")
	// carry no secret, and masking them would garble every line.
	minMasked = 4
	logMask   = "***"
)

// jwtLike matches a JSON Web Token (a ServiceAccount token a hook prints, mounted or read).
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// hookLogs is a bounded tail of the logs of a hook's pod: the Pod itself, or the newest pod
// of a Job (by the job-name label its controller sets, owned by the Job's uid); or why none.
// The values of the Secrets the pod reads are masked in it (maskLogSecrets).
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
	lines, limit := int64(hookLogLines), int64(hookLogBytes)
	raw, err := pods.GetLogs(pod.Name, &corev1.PodLogOptions{TailLines: &lines, LimitBytes: &limit}).DoRaw(ctx)
	switch {
	case apierrors.IsForbidden(err):
		return "(no logs: Rigel may not read the logs of pod " + pod.Name + ": a cluster admin grants get on pods/log (the ClusterRole rigel-hooks, the chart's rbac.hooks) to see them here)"
	case err != nil:
		return "(no logs of pod " + pod.Name + ": " + err.Error() + ")"
	}
	if len(raw) == 0 {
		return "(no logs: pod " + pod.Name + " wrote nothing)"
	}
	values, withheld := e.podSecretValues(ctx, pod)
	if withheld != "" {
		return "(logs withheld: pod " + pod.Name + " reads " + withheld + ", which Rigel could not read to mask its values in the logs)"
	}
	return maskLogSecrets(cleanLogs(raw), values)
}

// podSecretValues returns the values of every Secret a pod reads (env, envFrom, volumes,
// projected volumes), as text and base64, or the first Secret it could not read.
func (e *Engine) podSecretValues(ctx context.Context, pod *corev1.Pod) ([]string, string) {
	var values []string
	for _, name := range podSecretNames(pod) {
		s, err := e.Kube.Typed.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue // a pod that reads a missing Secret does not start with it
		}
		if err != nil {
			return nil, "Secret " + name
		}
		for _, v := range s.Data {
			values = append(values, secretForms(v)...)
		}
	}
	return values, ""
}

// podSecretNames lists the Secrets a pod's containers read, sorted and once each.
func podSecretNames(pod *corev1.Pod) []string {
	set := map[string]bool{}
	containers := append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, env := range c.Env {
			if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil {
				set[env.ValueFrom.SecretKeyRef.Name] = true
			}
		}
		for _, from := range c.EnvFrom {
			if from.SecretRef != nil {
				set[from.SecretRef.Name] = true
			}
		}
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil {
			set[v.Secret.SecretName] = true
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					set[src.Secret.Name] = true
				}
			}
		}
	}
	delete(set, "")
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// secretForms are the forms of a Secret value a log may show: the value, its base64, and each
// line of a multi-line value (a key file printed line by line).
func secretForms(v []byte) []string {
	forms := []string{string(v), base64.StdEncoding.EncodeToString(v)}
	if strings.Contains(string(v), "\n") {
		for _, line := range strings.Split(string(v), "\n") {
			forms = append(forms, strings.TrimSpace(line))
		}
	}
	return forms
}

// maskLogSecrets replaces each value (of at least minMasked bytes; longest first, so that a value
// containing another is masked whole) and every JWT in a log text.
func maskLogSecrets(text string, values []string) string {
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, v := range values {
		if len(v) >= minMasked {
			text = strings.ReplaceAll(text, v, logMask)
		}
	}
	return jwtLike.ReplaceAllString(text, logMask)
}

// cleanLogs keeps the text of hostile log bytes: valid UTF-8, without control characters
// (terminal escapes, carriage returns) other than newlines and tabs.
func cleanLogs(raw []byte) string {
	s := strings.ToValidUTF8(string(raw), "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return -1
		}
		return r
	}, s)
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}
