package fix

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// typed is a rendered workload as its Go type, with pointers to the parts edits change.
type typed struct {
	obj      runtime.Object
	template *corev1.PodTemplateSpec
	replicas **int32 // nil for a DaemonSet
}

func toTyped(u *unstructured.Unstructured) (*typed, error) {
	var t typed
	switch u.GetKind() {
	case "Deployment":
		d := &appsv1.Deployment{}
		t = typed{obj: d, template: &d.Spec.Template, replicas: &d.Spec.Replicas}
	case "StatefulSet":
		s := &appsv1.StatefulSet{}
		t = typed{obj: s, template: &s.Spec.Template, replicas: &s.Spec.Replicas}
	case "DaemonSet":
		d := &appsv1.DaemonSet{}
		t = typed{obj: d, template: &d.Spec.Template}
	default:
		return nil, fmt.Errorf("%s is not a workload kind", u.GetKind())
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, t.obj); err != nil {
		return nil, fmt.Errorf("failed to read %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return &t, nil
}

func (t *typed) container(name string) *corev1.Container {
	for i := range t.template.Spec.Containers {
		if t.template.Spec.Containers[i].Name == name {
			return &t.template.Spec.Containers[i]
		}
	}
	return nil
}

func (t *typed) containerNames() []string {
	var out []string
	for _, c := range t.template.Spec.Containers {
		out = append(out, c.Name)
	}
	return out
}

// op is one value an edit sets in the workload: a path from the workload document's root.
type op struct {
	edit      Edit
	path      []step
	anchor    int // path[:anchor] must exist where a missing value is added (the container, or spec)
	value     string
	kind      valueKind
	container string
	note      string // said to people when this op is made
}

func containerPath(name string) []step {
	return join(keyPath("spec", "template", "spec", "containers"), []step{named(name)})
}

var probeHandlers = []string{"httpGet", "tcpSocket", "grpc"}

// resolveContainer names the container an edit applies to.
func resolveContainer(w kube.WorkloadRef, t *typed, e Edit) (string, error) {
	names := t.containerNames()
	switch {
	case e.Field == FieldReplicas, e.Field == FieldRef && strings.HasPrefix(e.Key, refVolume):
		return "", nil
	case e.Container != "":
		if t.container(e.Container) == nil {
			return "", userErrorf("%s has no container %s: its containers are %s", workloadTitle(w), untrusted.MarkdownCode(e.Container), quoteList(names))
		}
		return e.Container, nil
	case len(names) == 1:
		return names[0], nil
	case len(names) == 0:
		return "", userErrorf("%s has no containers", workloadTitle(w))
	}
	return "", userErrorf("%s has %d containers (%s): say which one with `--container NAME`", workloadTitle(w), len(names), quoteList(names))
}

func workloadTitle(w kube.WorkloadRef) string { return w.Kind + " " + untrusted.MarkdownCode(w.Name) }

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = untrusted.MarkdownCode(n)
	}
	return strings.Join(q, ", ")
}

// opsOf turns an edit into the values it sets, leaving out what the rendered workload already
// has.
func opsOf(w kube.WorkloadRef, t *typed, e Edit) ([]op, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	name, err := resolveContainer(w, t, e)
	if err != nil {
		return nil, err
	}
	e.Container = name
	cp := containerPath(name)
	c := t.container(name)
	switch e.Field {
	case FieldReplicas:
		if t.replicas == nil {
			return nil, userErrorf("%s runs one pod per node and has no replicas to set", workloadTitle(w))
		}
		n, _ := strconv.ParseInt(e.Value, 10, 32)
		cur := int32(1)
		if *t.replicas != nil {
			cur = **t.replicas
		}
		if *t.replicas != nil && cur == int32(n) {
			return nil, nil
		}
		return []op{{edit: e, path: keyPath("spec", "replicas"), anchor: 1, value: e.Value, kind: kindInt}}, nil
	case FieldImage:
		if c.Image == e.Value {
			return nil, nil
		}
		return []op{{edit: e, path: join(cp, keyPath("image")), anchor: len(cp), value: e.Value, kind: kindString, container: name}}, nil
	case FieldMemory, FieldCPU:
		res := corev1.ResourceName(e.Field)
		want := resource.MustParse(e.Value)
		var ops []op
		if cur, ok := c.Resources.Limits[res]; !ok || cur.Cmp(want) != 0 {
			ops = append(ops, op{edit: e, path: join(cp, keyPath("resources", "limits", e.Field)), anchor: len(cp), value: e.Value, kind: kindQuantity, container: name})
		}
		if req, ok := c.Resources.Requests[res]; ok && req.Cmp(want) > 0 {
			ops = append(ops, op{edit: e, path: join(cp, keyPath("resources", "requests", e.Field)), anchor: len(cp), value: e.Value, kind: kindQuantity, container: name,
				note: fmt.Sprintf("The %s request of container %s was %s, above the new limit, so it is lowered to %s too.", e.Field, untrusted.MarkdownCode(name), untrusted.MarkdownText(req.String()), untrusted.MarkdownText(e.Value))})
		}
		return ops, nil
	case FieldEnv:
		for _, v := range c.Env {
			if v.Name != e.Key {
				continue
			}
			if v.ValueFrom != nil {
				return nil, placeErrorf("%s of container %s comes from `valueFrom` (a ConfigMap, Secret or field); Rigel sets only plain values: change its source instead", untrusted.MarkdownCode(e.Key), untrusted.MarkdownCode(name))
			}
			if v.Value == e.Value {
				return nil, nil
			}
		}
		return []op{{edit: e, path: join(cp, keyPath("env"), []step{named(e.Key)}, keyPath("value")), anchor: len(cp), value: e.Value, kind: kindString, container: name}}, nil
	case FieldProbe:
		p := probeOf(c, e.Key)
		if p == nil {
			return nil, userErrorf("container %s of %s has no %s probe", untrusted.MarkdownCode(name), workloadTitle(w), untrusted.MarkdownText(e.Key))
		}
		handler, port := "", intstr.IntOrString{}
		switch {
		case p.HTTPGet != nil:
			handler, port = "httpGet", p.HTTPGet.Port
		case p.TCPSocket != nil:
			handler, port = "tcpSocket", p.TCPSocket.Port
		case p.GRPC != nil:
			handler, port = "grpc", intstr.FromInt32(p.GRPC.Port)
			if _, err := strconv.Atoi(e.Value); err != nil {
				return nil, userErrorf("the %s probe of container %s is a gRPC probe, which takes a port number, not %s", untrusted.MarkdownText(e.Key), untrusted.MarkdownCode(name), untrusted.MarkdownCode(e.Value))
			}
		default:
			return nil, userErrorf("the %s probe of container %s runs a command and has no port", untrusted.MarkdownText(e.Key), untrusted.MarkdownCode(name))
		}
		if port.String() == e.Value {
			return nil, nil
		}
		k := kindString
		if _, err := strconv.Atoi(e.Value); err == nil {
			k = kindInt
		}
		return []op{{edit: e, path: join(cp, keyPath(e.Key+"Probe", handler, "port")), anchor: len(cp), value: e.Value, kind: k, container: name}}, nil
	case FieldRef:
		return refOps(w, t, e)
	}
	return nil, userErrorf("Rigel cannot set %s", untrusted.MarkdownCode(e.Field))
}

func probeOf(c *corev1.Container, kind string) *corev1.Probe {
	switch kind {
	case "liveness":
		return c.LivenessProbe
	case "readiness":
		return c.ReadinessProbe
	case "startup":
		return c.StartupProbe
	}
	return nil
}

// expect applies ops to a rendered workload the way the edited files should build it.
func expect(t *typed, ops []op) {
	for _, o := range ops {
		c := t.container(o.container)
		switch o.edit.Field {
		case FieldReplicas:
			n, _ := strconv.ParseInt(o.value, 10, 32)
			v := int32(n)
			*t.replicas = &v
		case FieldImage:
			c.Image = o.value
		case FieldMemory, FieldCPU:
			list := &c.Resources.Limits
			if o.path[len(o.path)-2].key == "requests" {
				list = &c.Resources.Requests
			}
			if *list == nil {
				*list = corev1.ResourceList{}
			}
			(*list)[corev1.ResourceName(o.edit.Field)] = resource.MustParse(o.value)
		case FieldEnv:
			found := false
			for i := range c.Env {
				if c.Env[i].Name == o.edit.Key {
					c.Env[i].Value, found = o.value, true
				}
			}
			if !found {
				c.Env = append(c.Env, corev1.EnvVar{Name: o.edit.Key, Value: o.value})
			}
		case FieldRef:
			expectRef(t, o)
		case FieldProbe:
			p := probeOf(c, o.edit.Key)
			port := intstr.Parse(o.value)
			switch {
			case p.HTTPGet != nil:
				p.HTTPGet.Port = port
			case p.TCPSocket != nil:
				p.TCPSocket.Port = port
			case p.GRPC != nil:
				p.GRPC.Port = port.IntVal
			}
		}
	}
}

// sortEnv orders every container's environment by name: where a variable lands in the list
// depends on how patches merge, not on the edit.
func sortEnv(t *typed) {
	for i := range t.template.Spec.Containers {
		env := t.template.Spec.Containers[i].Env
		sort.SliceStable(env, func(a, b int) bool { return env[a].Name < env[b].Name })
	}
}
