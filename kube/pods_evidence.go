package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ContainerLog is the log tail of a container's previous run (LogTail, previous).
type ContainerLog struct {
	Pod, Container string
	Tail           string // cleaned, Secret values masked; "" when it wrote nothing or was not read
	Unread         string // why the tail was not read ("" when it was)
}

// NodeRoom is what a node can give pods (status.allocatable): cpu and memory.
type NodeRoom struct {
	Name        string
	Allocatable corev1.ResourceList
}

// NamespaceConfig lists a namespace's ConfigMaps and Secrets with the names of their keys;
// never a value.
type NamespaceConfig struct {
	ConfigMaps map[string][]string // name → its keys (data and binaryData), sorted
	Secrets    map[string][]string // name → its keys, sorted
}

// logReadTimeout bounds each log read of a diagnosis (the apiserver asks a kubelet, which may
// not answer): a log not read in time is said, and the diagnosis goes on.
const logReadTimeout = 5 * time.Second

// CrashLooped tells a container whose last run failed and that restarted or waits to
// (CrashLoopBackOff, or a last termination with a non-zero exit code), unless that run was
// OOMKilled (fix's rule of memory answers that).
func CrashLooped(cs corev1.ContainerStatus) bool {
	t := cs.LastTerminationState.Terminated
	if t != nil && t.Reason == "OOMKilled" {
		return false
	}
	return cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" || t != nil && t.ExitCode != 0
}

// LacksRoom tells a workload one of whose pods the scheduler could not place for want of cpu
// or memory ("Insufficient cpu" in a FailedScheduling event or the pod's PodScheduled
// condition).
func LacksRoom(st *WorkloadState) bool {
	for _, p := range st.Pods {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && strings.Contains(c.Message, "Insufficient ") {
				return true
			}
		}
	}
	for _, e := range st.Events {
		if e.Reason == "FailedScheduling" && strings.Contains(e.Message, "Insufficient ") {
			return true
		}
	}
	return false
}

// LacksConfig tells a workload one of whose containers cannot start for its configuration
// (CreateContainerConfigError) or whose volumes cannot be mounted (a FailedMount event saying
// "not found").
func LacksConfig(st *WorkloadState) bool {
	for _, p := range st.Pods {
		for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
			if cs.State.Waiting != nil && cs.State.Waiting.Reason == "CreateContainerConfigError" {
				return true
			}
		}
	}
	for _, e := range st.Events {
		if e.Reason == "FailedMount" && strings.Contains(e.Message, "not found") {
			return true
		}
	}
	return false
}

// readEvidence reads what the diagnosis' rules need besides the pods and events, only when
// the state shows the need: the previous logs of crash-looping containers, the nodes when a
// pod lacks room, the namespace's configuration when a pod lacks some. What Rigel may not
// read is said in st.Unread and is no error; other failures are.
func (c *Client) readEvidence(ctx context.Context, st *WorkloadState) error {
	c.readCrashLogs(ctx, st)
	if LacksRoom(st) {
		nodes, err := c.Typed.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		switch {
		case apierrors.IsForbidden(err):
			st.Unread = append(st.Unread, "Rigel may not list the cluster's nodes, so it cannot tell what fits on them: a cluster admin grants get and list on nodes (the ClusterRole rigel-reader has them).")
		case err != nil:
			return fmt.Errorf("failed to list the nodes for %s: %w", st.Ref, err)
		default:
			for _, n := range nodes.Items {
				if !n.Spec.Unschedulable && len(n.Status.Allocatable) > 0 {
					st.Nodes = append(st.Nodes, NodeRoom{Name: n.Name, Allocatable: n.Status.Allocatable})
				}
			}
			sort.Slice(st.Nodes, func(i, j int) bool { return st.Nodes[i].Name < st.Nodes[j].Name })
		}
	}
	if LacksConfig(st) {
		cfg, unread, err := c.namespaceConfig(ctx, st.Ref.Namespace)
		if err != nil {
			return fmt.Errorf("failed to read the configuration of namespace %s for %s: %w", st.Ref.Namespace, st.Ref, err)
		}
		st.Config = cfg
		if unread != "" {
			st.Unread = append(st.Unread, unread)
		}
	}
	return nil
}

// readCrashLogs reads, for each container that crash-looped, the previous run's log tail in
// the pod where it restarted most.
func (c *Client) readCrashLogs(ctx context.Context, st *WorkloadState) {
	for _, ctr := range st.Template.Spec.Containers {
		var pod *corev1.Pod
		restarts := int32(-1)
		for i, p := range st.Pods {
			for _, cs := range p.Status.ContainerStatuses {
				if cs.Name == ctr.Name && CrashLooped(cs) && cs.RestartCount > restarts {
					pod, restarts = &st.Pods[i], cs.RestartCount
				}
			}
		}
		if pod == nil {
			continue
		}
		l := ContainerLog{Pod: pod.Name, Container: ctr.Name}
		logCtx, cancel := context.WithTimeout(ctx, logReadTimeout)
		tail, err := c.LogTail(logCtx, pod, ctr.Name, true)
		cancel()
		var withheld *LogsWithheld
		switch {
		case errors.As(err, &withheld):
			l.Unread = fmt.Sprintf("withheld: the pod reads Secret %s, which Rigel could not read to mask its values", withheld.Secret)
		case apierrors.IsForbidden(err):
			l.Unread = "Rigel may not read pods' logs: a cluster admin grants get on pods/log (the ClusterRole rigel-hooks, the chart's rbac.hooks)"
		case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			l.Unread = fmt.Sprintf("not read: the node's kubelet did not answer within %s", logReadTimeout)
		case err != nil:
			l.Unread = "not read: " + apiMessage(err)
		default:
			l.Tail = tail
		}
		st.Logs = append(st.Logs, l)
	}
}

// apiMessage is the apiserver's message of an error (or the error's).
func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		return status.Status().Message
	}
	return err.Error()
}

// namespaceConfig lists a namespace's ConfigMaps and Secrets with their key names, or says
// why Rigel may not.
func (c *Client) namespaceConfig(ctx context.Context, ns string) (*NamespaceConfig, string, error) {
	cfg := &NamespaceConfig{ConfigMaps: map[string][]string{}, Secrets: map[string][]string{}}
	cms, err := c.Typed.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		return nil, "Rigel may not list the ConfigMaps of namespace " + ns + ": a cluster admin grants list on configmaps (the ClusterRole rigel-reader has it).", nil
	}
	if err != nil {
		return nil, "", err
	}
	for _, cm := range cms.Items {
		keys := append(keysOf(cm.Data), keysOf(cm.BinaryData)...)
		sort.Strings(keys)
		cfg.ConfigMaps[cm.Name] = keys
	}
	secrets, err := c.Typed.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		return nil, "Rigel may not list the Secrets of namespace " + ns + ": a cluster admin grants list on secrets (the ClusterRole rigel-reader has it).", nil
	}
	if err != nil {
		return nil, "", err
	}
	for _, s := range secrets.Items {
		cfg.Secrets[s.Name] = keysOf(s.Data) // the key names only: the values are dropped with the list
	}
	return cfg, "", nil
}

// keysOf is the keys of m, sorted.
func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
