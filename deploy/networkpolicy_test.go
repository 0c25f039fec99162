package deploy

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// checkInternalService: the Service rigel-internal is ClusterIP and reaches the container's
// internal port (9090: the HTTP API, /metrics, /readyz), never the webhook's.
func checkInternalService(t *testing.T, svc *corev1.Service, d *appsv1.Deployment) {
	t.Helper()
	if svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("Service rigel-internal type %q, want ClusterIP: it must never be exposed", svc.Spec.Type)
	}
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service rigel-internal ports = %+v, want one", svc.Spec.Ports)
	}
	if port := containerPort(d.Spec.Template.Spec.Containers[0], svc.Spec.Ports[0].TargetPort); port != 9090 {
		t.Errorf("Service rigel-internal targetPort %s is container port %d, want 9090", svc.Spec.Ports[0].TargetPort.String(), port)
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("Service rigel-internal selects %s=%s, the pods have %q", k, v, d.Spec.Template.Labels[k])
		}
	}
}

// checkNetworkPolicy: the NetworkPolicy rigel selects Rigel's pods, admits anyone to the
// webhook port, only Rigel's namespace and the monitoring namespace to the internal port,
// nothing to any other port, and leaves egress open.
func checkNetworkPolicy(t *testing.T, objs []*unstructured.Unstructured, d *appsv1.Deployment) {
	t.Helper()
	var np networkingv1.NetworkPolicy
	convert(t, find(t, objs, "NetworkPolicy", d.Namespace, "rigel"), &np)
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("NetworkPolicy podSelector %v does not select Rigel's pods %v", np.Spec.PodSelector, d.Spec.Template.Labels)
	}
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
		t.Errorf("policyTypes %v, want [Ingress] (egress open by default)", np.Spec.PolicyTypes)
	}
	c := d.Spec.Template.Spec.Containers[0]
	rules := map[int32]networkingv1.NetworkPolicyIngressRule{}
	for _, r := range np.Spec.Ingress {
		if len(r.Ports) != 1 || r.Ports[0].Port == nil {
			t.Fatalf("ingress rule %+v: want one port each", r)
		}
		rules[containerPort(c, *r.Ports[0].Port)] = r
	}
	if len(rules) != 2 {
		t.Fatalf("ingress rules for container ports %v, want 8080 and 9090 only", keys(rules))
	}
	if hook, ok := rules[8080]; !ok || len(hook.From) != 0 {
		t.Errorf("the webhook port 8080: rule %+v, want open to all (GitHub via the Ingress)", hook)
	}
	internal, ok := rules[9090]
	if !ok || len(internal.From) != 2 {
		t.Fatalf("the internal port 9090: rule %+v, want two peers", internal)
	}
	own, mon := internal.From[0], internal.From[1]
	if own.PodSelector == nil || len(own.PodSelector.MatchLabels)+len(own.PodSelector.MatchExpressions) != 0 || own.NamespaceSelector != nil || own.IPBlock != nil {
		t.Errorf("first peer of the internal port %+v, want every pod of Rigel's namespace (podSelector {})", own)
	}
	if mon.NamespaceSelector == nil || mon.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "monitoring" || mon.PodSelector != nil || mon.IPBlock != nil {
		t.Errorf("second peer of the internal port %+v, want the namespace monitoring", mon)
	}
}

func keys[V any](m map[int32]V) []int32 {
	var out []int32
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestChartNetworkPolicyValues renders the chart's NetworkPolicy with each of its options and
// has the apiserver validate it (server-side dry run): the NetworkPolicy API exists even
// without a CNI to enforce it.
func TestChartNetworkPolicyValues(t *testing.T) {
	admin := adminKube(t)
	ns := "rigel-netpol"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		vals  string
		check func(t *testing.T, np *networkingv1.NetworkPolicy)
	}{
		{"hook narrowed to the ingress controller and GitHub's ranges", `
networkPolicy:
  hookFrom:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    - ipBlock: {cidr: 192.30.252.0/22}`, func(t *testing.T, np *networkingv1.NetworkPolicy) {
			if from := np.Spec.Ingress[0].From; len(from) != 2 || from[1].IPBlock == nil || from[1].IPBlock.CIDR != "192.30.252.0/22" {
				t.Errorf("hook peers %+v, want the ingress controller's namespace and the ipBlock", from)
			}
		}},
		{"another monitoring namespace", `
networkPolicy:
  monitoringNamespaceSelector: {matchLabels: {team: observability}}`, func(t *testing.T, np *networkingv1.NetworkPolicy) {
			if from := np.Spec.Ingress[1].From; len(from) != 2 || from[1].NamespaceSelector.MatchLabels["team"] != "observability" {
				t.Errorf("internal peers %+v", from)
			}
		}},
		{"no monitoring namespace", `
networkPolicy:
  monitoringNamespaceSelector: null`, func(t *testing.T, np *networkingv1.NetworkPolicy) {
			if from := np.Spec.Ingress[1].From; len(from) != 1 || from[0].PodSelector == nil {
				t.Errorf("internal peers %+v, want Rigel's namespace only", from)
			}
		}},
		{"egress closed but for the listed", `
networkPolicy:
  egress:
    - ports: [{port: 443, protocol: TCP}, {port: 6443, protocol: TCP}]
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
      ports: [{port: 53, protocol: UDP}]`, func(t *testing.T, np *networkingv1.NetworkPolicy) {
			if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) || len(np.Spec.Egress) != 2 || *np.Spec.Egress[1].Ports[0].Port != intstr.FromInt32(53) {
				t.Errorf("policyTypes %v egress %+v, want Egress and the two rules", np.Spec.PolicyTypes, np.Spec.Egress)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.vals), &vals); err != nil {
				t.Fatal(err)
			}
			u := find(t, renderChart(t, ns, vals), "NetworkPolicy", ns, "rigel")
			var np networkingv1.NetworkPolicy
			convert(t, u, &np)
			tc.check(t, &np)
			if _, err := admin.Typed.NetworkingV1().NetworkPolicies(ns).Create(ctxT(t), &np, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
				t.Errorf("the apiserver refuses the NetworkPolicy: %v", err)
			}
		})
	}
	t.Run("disabled", func(t *testing.T) {
		if has(renderChart(t, ns, map[string]any{"networkPolicy": map[string]any{"enabled": false}}), "NetworkPolicy", ns, "rigel") {
			t.Error("networkPolicy.enabled false still renders the NetworkPolicy")
		}
	})
}
