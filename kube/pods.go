package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// WorkloadState is what a workload's pods, events and rollout history show: what Rigel reads
// to diagnose it.
type WorkloadState struct {
	Ref      WorkloadRef
	Template corev1.PodTemplateSpec // the workload's pod template now
	Replicas *int32                 // spec.replicas; nil for a DaemonSet
	Pods     []corev1.Pod           // the pods its selector matches, sorted by name
	Events   []corev1.Event         // events of those pods, the workload and its ReplicaSets, oldest first
	History  []Revision             // its pod templates, newest first (ReplicaSets or ControllerRevisions)

	// What the rules of a diagnosis read besides, each only when the pods show a need for it
	// (pods_evidence.go); nil when not needed, with why it could not be read in Unread.
	Logs   []ContainerLog   // the previous run's log tail of each container that failed and restarted
	Nodes  []NodeRoom       // the schedulable nodes' allocatable, when a pod lacks room on every node
	Config *NamespaceConfig // the namespace's ConfigMaps and Secrets by name, when a pod lacks one
	Unread []string         // what could not be read for a diagnosis, and why, as sentences
}

// Revision is one pod template a workload has had.
type Revision struct {
	Name    string            // the ReplicaSet or ControllerRevision
	Number  int64             // the revision number
	Current bool              // the template the workload has now
	Images  map[string]string // container name → image
	Ready   int32             // pods of this revision that are ready
}

// ReplicaSet revision annotation, as the Deployment controller writes it.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// WorkloadState reads a workload, the pods its selector matches, their events and its
// history. A missing workload is a *fault.NotFound.
func (c *Client) WorkloadState(ctx context.Context, ref WorkloadRef) (*WorkloadState, error) {
	st := &WorkloadState{Ref: ref}
	var sel *metav1.LabelSelector
	var uid types.UID
	var stsRevision string
	apps := c.Typed.AppsV1()
	var err error
	switch ref.Kind {
	case "Deployment":
		var d *appsv1.Deployment
		if d, err = apps.Deployments(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			st.Template, st.Replicas, sel, uid = d.Spec.Template, d.Spec.Replicas, d.Spec.Selector, d.UID
		}
	case "StatefulSet":
		var s *appsv1.StatefulSet
		if s, err = apps.StatefulSets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			st.Template, st.Replicas, sel, uid = s.Spec.Template, s.Spec.Replicas, s.Spec.Selector, s.UID
			stsRevision = s.Status.UpdateRevision
		}
	case "DaemonSet":
		var d *appsv1.DaemonSet
		if d, err = apps.DaemonSets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			st.Template, sel, uid = d.Spec.Template, d.Spec.Selector, d.UID
		}
	default:
		_, err = resourceOf(ref.Kind)
		return nil, err
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, notFound(ref)
	case err != nil:
		return nil, fmt.Errorf("failed to read %s: %w", ref, err)
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("failed to read the selector of %s: %w", ref, err)
	}
	list := metav1.ListOptions{LabelSelector: selector.String()}
	pods, err := c.Typed.CoreV1().Pods(ref.Namespace).List(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("failed to list the pods of %s: %w", ref, err)
	}
	st.Pods = pods.Items
	sort.Slice(st.Pods, func(i, j int) bool { return st.Pods[i].Name < st.Pods[j].Name })

	involved := map[string]bool{ref.Kind + "/" + ref.Name: true}
	for _, p := range st.Pods {
		involved["Pod/"+p.Name] = true
	}
	if ref.Kind == "Deployment" {
		st.History, err = c.replicaSetHistory(ctx, ref, list, uid, st.Template)
		for _, r := range st.History {
			involved["ReplicaSet/"+r.Name] = true
		}
	} else {
		st.History, err = c.controllerRevisions(ctx, ref, list, uid, stsRevision, st.Pods)
	}
	if err != nil {
		return nil, err
	}

	events, err := c.Typed.CoreV1().Events(ref.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to list the events of %s: %w", ref, err)
	}
	for _, e := range events.Items {
		if involved[e.InvolvedObject.Kind+"/"+e.InvolvedObject.Name] {
			st.Events = append(st.Events, e)
		}
	}
	sort.SliceStable(st.Events, func(i, j int) bool { return eventTime(st.Events[i]).Time.Before(eventTime(st.Events[j]).Time) })
	if err := c.readEvidence(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// eventTime is when an event last happened.
func eventTime(e corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.NewTime(e.EventTime.Time)
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp
	}
	return e.CreationTimestamp
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, o := range refs {
		if o.UID == uid {
			return true
		}
	}
	return false
}

func imagesOf(spec corev1.PodSpec) map[string]string {
	out := map[string]string{}
	for _, c := range spec.Containers {
		out[c.Name] = c.Image
	}
	return out
}

// replicaSetHistory returns a Deployment's ReplicaSets, newest revision first. The current one
// has the Deployment's pod spec, else it is the newest.
func (c *Client) replicaSetHistory(ctx context.Context, ref WorkloadRef, list metav1.ListOptions, uid types.UID, tmpl corev1.PodTemplateSpec) ([]Revision, error) {
	rss, err := c.Typed.AppsV1().ReplicaSets(ref.Namespace).List(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("failed to list the ReplicaSets of %s: %w", ref, err)
	}
	var out []Revision
	current := ""
	for _, rs := range rss.Items {
		if !ownedBy(rs.OwnerReferences, uid) {
			continue
		}
		n, _ := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
		ready := max(rs.Status.ReadyReplicas, rs.Status.AvailableReplicas)
		out = append(out, Revision{Name: rs.Name, Number: n, Images: imagesOf(rs.Spec.Template.Spec), Ready: ready})
		if current == "" && apiequality.Semantic.DeepEqual(rs.Spec.Template.Spec, tmpl.Spec) {
			current = rs.Name
		}
	}
	sortRevisions(out)
	if current != "" {
		markCurrent(out, func(r Revision) bool { return r.Name == current })
	} else if len(out) > 0 {
		out[0].Current = true
	}
	return out, nil
}

func sortRevisions(rs []Revision) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Number != rs[j].Number {
			return rs[i].Number > rs[j].Number
		}
		return rs[i].Name > rs[j].Name
	})
}

func markCurrent(rs []Revision, is func(Revision) bool) {
	for i := range rs {
		if is(rs[i]) {
			rs[i].Current = true
		}
	}
}

// controllerRevisions returns a StatefulSet's or DaemonSet's ControllerRevisions, newest
// first. A revision's ready pods are the ready pods labelled with its hash.
func (c *Client) controllerRevisions(ctx context.Context, ref WorkloadRef, list metav1.ListOptions, uid types.UID, updateRevision string, pods []corev1.Pod) ([]Revision, error) {
	crs, err := c.Typed.AppsV1().ControllerRevisions(ref.Namespace).List(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("failed to list the ControllerRevisions of %s: %w", ref, err)
	}
	var out []Revision
	for _, cr := range crs.Items {
		if !ownedBy(cr.OwnerReferences, uid) {
			continue
		}
		// Data is the patch the controller would apply: {"spec":{"template":{…}}}.
		var data struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		if len(cr.Data.Raw) > 0 {
			if err := json.Unmarshal(cr.Data.Raw, &data); err != nil {
				return nil, fmt.Errorf("failed to read ControllerRevision %s of %s: %w", cr.Name, ref, err)
			}
		}
		r := Revision{Name: cr.Name, Number: cr.Revision, Images: imagesOf(data.Spec.Template.Spec)}
		for _, p := range pods {
			h := p.Labels[appsv1.ControllerRevisionHashLabelKey]
			if h != "" && (h == cr.Name || strings.HasSuffix(cr.Name, "-"+h)) && podReady(p) {
				r.Ready++
			}
		}
		out = append(out, r)
	}
	sortRevisions(out)
	if updateRevision != "" {
		markCurrent(out, func(r Revision) bool { return r.Name == updateRevision })
	} else if len(out) > 0 {
		out[0].Current = true
	}
	return out, nil
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
