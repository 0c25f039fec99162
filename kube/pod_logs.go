package kube

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// Bounds of a log tail (a hook's in a reply, a crashed container's in a diagnosis).
const (
	LogTailLines = 20
	LogTailBytes = 4096
	// minMasked is the shortest Secret value masked in a log tail: shorter values ("1", "on")
	// carry no secret, and masking them would garble every line.
	minMasked = 4
	logMask   = "***"
)

// jwtLike matches a JSON Web Token (a ServiceAccount token a pod prints, mounted or read).
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// LogsWithheld is the refusal to show a pod's logs: it reads a Secret Rigel could not read, so
// Rigel cannot mask that Secret's values in them.
type LogsWithheld struct {
	Pod, Secret string
}

func (e *LogsWithheld) Error() string {
	return fmt.Sprintf("logs withheld: pod %s reads Secret %s, which Rigel could not read to mask its values in the logs", e.Pod, e.Secret)
}

// LogTail reads the last LogTailLines lines (at most LogTailBytes) of a container of pod
// (container "" = the pod's only one; previous: of its last terminated instance, as `kubectl
// logs --previous`), kept as text (cleanLogs) with the values of every Secret the pod reads and
// every JWT masked. A pod reading a Secret Rigel cannot read gives a *LogsWithheld; the
// apiserver's errors (Forbidden without get on pods/log) come back wrapped.
func (c *Client) LogTail(ctx context.Context, pod *corev1.Pod, container string, previous bool) (string, error) {
	lines, limit := int64(LogTailLines), int64(LogTailBytes)
	raw, err := c.Typed.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: container, Previous: previous, TailLines: &lines, LimitBytes: &limit}).DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("failed to read the logs of pod %s: %w", pod.Name, err)
	}
	if len(raw) == 0 {
		return "", nil
	}
	values, withheld := c.podSecretValues(ctx, pod)
	if withheld != "" {
		return "", &LogsWithheld{Pod: pod.Name, Secret: withheld}
	}
	return maskLogSecrets(cleanLogs(raw), values), nil
}

// podSecretValues returns the values of every Secret a pod reads (env, envFrom, volumes,
// projected volumes), as text and base64, or the first Secret it could not read.
func (c *Client) podSecretValues(ctx context.Context, pod *corev1.Pod) ([]string, string) {
	var values []string
	for _, name := range podSecretNames(pod) {
		s, err := c.Typed.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue // a pod that reads a missing Secret does not start with it
		}
		if err != nil {
			return nil, name
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

// maskLogSecrets replaces each value (of at least minMasked bytes; longest first, so that a
// value containing another is masked whole) and every JWT in a log text.
func maskLogSecrets(text string, values []string) string {
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, v := range values {
		if len(v) >= minMasked {
			text = strings.ReplaceAll(text, v, logMask)
		}
	}
	return jwtLike.ReplaceAllString(text, logMask)
}

// cleanLogs keeps the text of hostile log bytes (untrusted.Printable).
func cleanLogs(raw []byte) string { return untrusted.Printable(string(raw)) }
