package deploy

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func convert(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		t.Fatalf("%s %s is not a valid %T: %v", u.GetKind(), u.GetName(), into, err)
	}
}

func ids(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, u := range objs {
		out = append(out, u.GetKind()+"/"+u.GetNamespace()+"/"+u.GetName())
	}
	sort.Strings(out)
	return out
}

// TestRenderedObjects pins the objects each kustomization installs: nothing more (the
// credentials Secret is not in it), nothing less.
func TestRenderedObjects(t *testing.T) {
	common := []string{
		"ClusterRole//rigel-deployer",
		"ClusterRole//rigel-hooks",
		"ClusterRole//rigel-reader",
		"ConfigMap/rigel/helmsman-git-sources",
		"Deployment/rigel/rigel",
		"Namespace//rigel",
		"NetworkPolicy/rigel/rigel",
		"Role/rigel/rigel",
		"RoleBinding/rigel/rigel",
		"Service/rigel/rigel",
		"Service/rigel/rigel-internal",
		"ServiceAccount/rigel/rigel",
	}
	tests := []struct {
		dir  string
		want []string
	}{
		{".", append([]string{"ClusterRoleBinding//rigel-deployer", "ClusterRoleBinding//rigel-reader", "ClusterRoleBinding//rigel-hooks"}, common...)},
		{overlayDir, append([]string{"RoleBinding/team-a/rigel-deployer", "RoleBinding/team-b/rigel-deployer", "RoleBinding/team-a/rigel-reader", "RoleBinding/team-b/rigel-reader",
			"RoleBinding/team-a/rigel-hooks", "RoleBinding/team-b/rigel-hooks"}, common...)},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			want := slices.Clone(tt.want)
			sort.Strings(want)
			got := ids(render(t, tt.dir))
			if !slices.Equal(got, want) {
				t.Errorf("rendered objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestDeploymentSecurity checks the Deployment's hardening, probes and settings, in the base
// and in the overlay (which must not lose any of it).
func TestDeploymentSecurity(t *testing.T) {
	for _, dir := range []string{".", overlayDir} {
		t.Run(dir, func(t *testing.T) {
			objs := render(t, dir)
			var d appsv1.Deployment
			convert(t, find(t, objs, "Deployment", rigelNS, "rigel"), &d)
			checkDeployment(t, &d)
			var svc corev1.Service
			convert(t, find(t, objs, "Service", rigelNS, "rigel"), &svc)
			checkService(t, &svc, &d)
			var internal corev1.Service
			convert(t, find(t, objs, "Service", rigelNS, "rigel-internal"), &internal)
			checkInternalService(t, &internal, &d)
			checkNetworkPolicy(t, objs, &d)
		})
	}
}

func checkDeployment(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != "rigel" {
		t.Errorf("serviceAccountName = %q, want rigel", pod.ServiceAccountName)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if want := releaseImage(t); c.Image != want {
		t.Errorf("image = %q, want %q (the chart's appVersion)", c.Image, want)
	}
	if !slices.Equal(c.Args, []string{"serve"}) || len(c.Command) > 0 {
		t.Errorf("command %q args %q, want the image's entrypoint /rigel with args [serve]", c.Command, c.Args)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil {
		t.Fatalf("pod securityContext %v, container securityContext %v: both must be set", psc, sc)
	}
	// The container's settings win over the pod's: check the effective value.
	nonRoot := firstBool(sc.RunAsNonRoot, psc.RunAsNonRoot)
	if nonRoot == nil || !*nonRoot {
		t.Error("runAsNonRoot is not true")
	}
	user := firstInt(sc.RunAsUser, psc.RunAsUser)
	if user == nil || *user != 65532 {
		t.Errorf("runAsUser = %v, want 65532", user)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("container is privileged")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		t.Errorf("capabilities = %+v, want drop ALL and add nothing", sc.Capabilities)
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile = %+v, want RuntimeDefault", seccomp)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("pod shares a host namespace")
	}

	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if e := env["RIGEL_NAMESPACE"]; e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("RIGEL_NAMESPACE = %+v, want fieldRef metadata.namespace", e)
	}
	if got := env["RIGEL_CACHE_DIR"].Value; got != "/tmp/rigel-cache" {
		t.Errorf("RIGEL_CACHE_DIR = %q, want /tmp/rigel-cache", got)
	}
	if l, ok := env["RIGEL_LISTEN"]; ok && l.Value != ":8080" {
		t.Errorf("RIGEL_LISTEN = %q, but the probes and the Service use 8080", l.Value)
	}
	if l := env["RIGEL_INTERNAL_LISTEN"]; l.Value != ":9090" {
		t.Errorf("RIGEL_INTERNAL_LISTEN = %q, but the readiness probe and the Service rigel-internal use 9090", l.Value)
	}
	// The cache must be on a writable volume, an emptyDir: the root file system is read-only.
	var tmpVolume string
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/tmp" && !m.ReadOnly {
			tmpVolume = m.Name
		}
	}
	var tmpIsEmptyDir bool
	for _, v := range pod.Volumes {
		if v.Name == tmpVolume && v.EmptyDir != nil {
			tmpIsEmptyDir = true
		}
	}
	if tmpVolume == "" || !tmpIsEmptyDir {
		t.Errorf("/tmp is not a writable emptyDir (mount %q)", tmpVolume)
	}

	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
		port  int32
	}{{"liveness", c.LivenessProbe, "/healthz", 8080}, {"readiness", c.ReadinessProbe, "/readyz", 9090}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe is not an HTTP GET", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe path = %q, want %s", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if port := containerPort(c, p.probe.HTTPGet.Port); port != p.port {
			t.Errorf("%s probe port %s is container port %d, want %d", p.name, p.probe.HTTPGet.Port.String(), port, p.port)
		}
	}

	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := c.Resources.Requests[r]; !ok || q.IsZero() {
			t.Errorf("no %s request", r)
		}
		if q, ok := c.Resources.Limits[r]; !ok || q.IsZero() {
			t.Errorf("no %s limit", r)
		}
	}
}

func checkService(t *testing.T, svc *corev1.Service, d *appsv1.Deployment) {
	t.Helper()
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 80 {
		t.Fatalf("service ports = %+v, want one port 80", svc.Spec.Ports)
	}
	if port := containerPort(d.Spec.Template.Spec.Containers[0], svc.Spec.Ports[0].TargetPort); port != 8080 {
		t.Errorf("service targetPort %s is container port %d, want 8080", svc.Spec.Ports[0].TargetPort.String(), port)
	}
	labels := d.Spec.Template.Labels
	if len(svc.Spec.Selector) == 0 {
		t.Fatal("service has no selector")
	}
	for k, v := range svc.Spec.Selector {
		if labels[k] != v {
			t.Errorf("service selects %s=%s, the pods have %q", k, v, labels[k])
		}
	}
}

// containerPort resolves a probe's or Service's port (number or name) to the container's port.
func containerPort(c corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return 0
}

func firstBool(vs ...*bool) *bool {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

func firstInt(vs ...*int64) *int64 {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

// TestRBACRules checks what the manifests grant: the deployer role never deletes nor
// escalates, the own-namespace Role is limited to the registry, the credentials and Leases,
// and the overlay binds the deployer only in its listed namespaces.
func TestRBACRules(t *testing.T) {
	objs := render(t, ".")
	var cr rbacv1.ClusterRole
	convert(t, find(t, objs, "ClusterRole", "", "rigel-deployer"), &cr)
	for _, r := range cr.Rules {
		for _, v := range r.Verbs {
			if !slices.Contains([]string{"get", "list", "watch", "create", "update", "patch"}, v) {
				t.Errorf("ClusterRole rigel-deployer grants verb %q", v)
			}
		}
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("ClusterRole rigel-deployer grants non-resource URLs %v", r.NonResourceURLs)
		}
	}

	var hooks rbacv1.ClusterRole
	convert(t, find(t, objs, "ClusterRole", "", "rigel-hooks"), &hooks)
	wantHooks := []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	}
	if !reflect.DeepEqual(hooks.Rules, wantHooks) {
		t.Errorf("ClusterRole rigel-hooks rules = %+v, want exactly %+v (delete a hook's Job or Pod, read its logs)", hooks.Rules, wantHooks)
	}

	var role rbacv1.Role
	convert(t, find(t, objs, "Role", rigelNS, "rigel"), &role)
	want := map[string][]string{ // "group/resource/name" → verbs
		"/configmaps/helmsman-git-sources": {"get", "update"},
		"/configmaps/rigel-drift":          {"get", "update"}, // drift known to every replica (issue 12)
		"/configmaps/rigel-redeliveries":   {"get", "update"}, // redelivery of failed deliveries (issue 14)
		"/configmaps/":                     {"create", "delete", "get", "list", "patch"},
		"/secrets/helmsman-github":         {"get", "update"},
		"/secrets/rigel-api":               {"get"},
		"coordination.k8s.io/leases/":      {"create", "delete", "get", "list", "update"},
	}
	got := map[string][]string{}
	for _, r := range role.Rules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, n := range names {
					k := g + "/" + res + "/" + n
					got[k] = append(got[k], r.Verbs...)
					slices.Sort(got[k])
				}
			}
		}
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("Role rigel: %s verbs %v, want %v", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("Role rigel grants more than it needs: %s %v", k, got[k])
		}
	}

	overlay := render(t, overlayDir)
	if has(overlay, "ClusterRoleBinding", "", "rigel-deployer") {
		t.Error("the namespaced overlay keeps the ClusterRoleBinding")
	}
	for _, u := range overlay {
		if u.GetKind() != "RoleBinding" || u.GetName() != "rigel-deployer" {
			continue
		}
		var rb rbacv1.RoleBinding
		convert(t, u, &rb)
		if rb.RoleRef.Kind != "ClusterRole" || rb.RoleRef.Name != "rigel-deployer" {
			t.Errorf("RoleBinding %s/%s binds %s %s", rb.Namespace, rb.Name, rb.RoleRef.Kind, rb.RoleRef.Name)
		}
		if len(rb.Subjects) != 1 || rb.Subjects[0].Kind != "ServiceAccount" || rb.Subjects[0].Name != "rigel" || rb.Subjects[0].Namespace != rigelNS {
			t.Errorf("RoleBinding %s/%s subjects = %+v, want ServiceAccount rigel/rigel", rb.Namespace, rb.Name, rb.Subjects)
		}
	}
}
