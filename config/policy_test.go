package config

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func boolp(b bool) *bool { return &b }

func TestEffectivePolicy(t *testing.T) {
	def := Policy{Namespaces: []string{"apps-*"}, ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding"}}
	prot := []string{"kube-system", "kube-public", "kube-node-lease"}
	tests := []struct {
		name string
		dep  *Policy
		def  Policy
		want Policy
	}{
		{"nothing anywhere", nil, Policy{}, Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
		{"only the default", nil, def, Policy{Namespaces: []string{"apps-*"}, ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding"}, AllowEscalation: boolp(false), Protected: prot}},
		{"namespaces on both sides are both kept; the deployment cannot allow cluster-scoped objects the default refuses", &Policy{Namespaces: []string{"shop"}, ClusterScoped: boolp(true)}, def,
			Policy{Namespaces: []string{"shop"}, Within: []string{"apps-*"}, ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding"}, AllowEscalation: boolp(false), Protected: prot}},
		{"only the deployment's namespaces", &Policy{Namespaces: []string{"*"}}, Policy{},
			Policy{ClusterScoped: boolp(false), Namespaces: []string{"*"}, AllowEscalation: boolp(false), Protected: prot}},
		{"the deployment narrows clusterScoped", &Policy{ClusterScoped: boolp(false)}, Policy{ClusterScoped: boolp(true)},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
		{"clusterScoped unset on the default refuses, whatever the deployment says", &Policy{ClusterScoped: boolp(true)}, Policy{},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
		{"allowEscalation only from the default", &Policy{AllowEscalation: boolp(true)}, Policy{},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
		{"allowEscalation opened by the default", nil, Policy{AllowEscalation: boolp(true)},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(true), Protected: prot}},
		{"allowEscalation taken back by the deployment", &Policy{AllowEscalation: boolp(false)}, Policy{AllowEscalation: boolp(true)},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
		{"Rigel's ClusterRoles add up", &Policy{RigelClusterRoles: []string{"b", "a"}}, Policy{RigelClusterRoles: []string{"a"}},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), RigelClusterRoles: []string{"a", "b"}, Protected: prot}},
		{"both allow clusterScoped", &Policy{ClusterScoped: boolp(true)}, Policy{ClusterScoped: boolp(true)},
			Policy{ClusterScoped: boolp(true), AllowEscalation: boolp(false), Protected: prot}},
		{"refused kinds add up, without repeats", &Policy{RefusedKinds: []string{"clusterrolebinding", "Secret"}}, def,
			Policy{Namespaces: []string{"apps-*"}, ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding", "Secret"}, AllowEscalation: boolp(false), Protected: prot}},
		{"the default names kube-system literally: it is no longer protected", nil, Policy{Namespaces: []string{"kube-system", "apps-*"}},
			Policy{ClusterScoped: boolp(false), Namespaces: []string{"kube-system", "apps-*"}, AllowEscalation: boolp(false), Protected: []string{"kube-public", "kube-node-lease"}}},
		{"a pattern in the default opens no protected namespace", nil, Policy{Namespaces: []string{"*", "kube-*"}},
			Policy{ClusterScoped: boolp(false), Namespaces: []string{"*", "kube-*"}, AllowEscalation: boolp(false), Protected: prot}},
		{"the deployment naming kube-system opens nothing", &Policy{Namespaces: []string{"kube-system"}}, Policy{},
			Policy{ClusterScoped: boolp(false), Namespaces: []string{"kube-system"}, AllowEscalation: boolp(false), Protected: prot}},
		{"namespaceObjects only from the default", &Policy{NamespaceObjects: boolp(true)}, Policy{},
			Policy{ClusterScoped: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
		{"namespaceObjects granted by the default", nil, Policy{NamespaceObjects: boolp(true)},
			Policy{ClusterScoped: boolp(false), NamespaceObjects: boolp(true), AllowEscalation: boolp(false), Protected: prot}},
		{"namespaceObjects taken back by the deployment", &Policy{NamespaceObjects: boolp(false)}, Policy{NamespaceObjects: boolp(true)},
			Policy{ClusterScoped: boolp(false), NamespaceObjects: boolp(false), AllowEscalation: boolp(false), Protected: prot}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EffectivePolicy(tc.dep, tc.def)
			if len(got.Namespaces) == 0 {
				got.Namespaces = nil
			}
			if len(got.RefusedKinds) == 0 {
				got.RefusedKinds = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("EffectivePolicy = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// Every combination of a deployment's namespaces and the default's, for a namespace: allowed
// only where both allow it, and a protected one only when the default names it literally.
func TestBoundedNamespaces(t *testing.T) {
	prot := []string{"rigel", "kube-system", "kube-public", "kube-node-lease"}
	tests := []struct {
		dep, def []string
		ns       string
		want     string // "" allowed, else a part of the refusal
	}{
		{nil, nil, "shop", ""},
		{nil, nil, "kube-system", "is protected"},
		{nil, nil, "rigel", "is protected"},
		{[]string{"*"}, nil, "kube-system", "is protected"},
		{[]string{"*"}, nil, "rigel", "is protected"},
		{[]string{"*"}, nil, "shop", ""},
		{[]string{"*"}, []string{"team-a-*"}, "team-a-web", ""},
		{[]string{"*"}, []string{"team-a-*"}, "team-b-web", "not allowed by the default policy"},
		{[]string{"team-*"}, []string{"team-a-*"}, "team-b-web", "not allowed by the default policy"},
		{[]string{"team-a-web"}, []string{"team-a-*"}, "team-a-db", "not allowed (namespaces: team-a-web)"},
		{nil, []string{"team-a-*"}, "team-b-web", "not allowed (namespaces: team-a-*)"},
		{[]string{"kube-system"}, nil, "kube-system", "is protected"},
		{[]string{"*"}, []string{"*"}, "kube-system", "is protected"},
		{[]string{"*"}, []string{"kube-*"}, "kube-system", "is protected"},
		{[]string{"*"}, []string{"kube-system"}, "kube-system", ""},
		{nil, []string{"kube-system"}, "kube-system", ""},
		{[]string{"shop"}, []string{"kube-system", "shop"}, "kube-system", "not allowed (namespaces: shop)"},
		{nil, []string{"rigel", "shop"}, "rigel", ""},
		{nil, []string{"kube-system"}, "kube-public", "is protected"},
	}
	for _, tc := range tests {
		var dep *Policy
		if tc.dep != nil {
			dep = &Policy{Namespaces: tc.dep}
		}
		got := Bounded(dep, Policy{Namespaces: tc.def}, prot).NamespaceRefusal(tc.ns)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("deployment %v under default %v, namespace %s: refusal %q, want %q", tc.dep, tc.def, tc.ns, got, tc.want)
		}
	}
}

// Every combination of clusterScoped on both sides: allowed only if the default allows it
// (unset is false) and the deployment does not forbid it.
func TestBoundedClusterScoped(t *testing.T) {
	vals := []*bool{nil, boolp(false), boolp(true)}
	for _, d := range vals {
		for _, f := range vals {
			want := (d == nil || *d) && (f != nil && *f)
			got := Bounded(&Policy{ClusterScoped: d}, Policy{ClusterScoped: f}, nil).ClusterScopedAllowed()
			if got != want {
				t.Errorf("deployment %v, default %v: allowed %v, want %v", fmtBool(d), fmtBool(f), got, want)
			}
		}
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "unset"
	}
	return strconv.FormatBool(*b)
}

func TestPolicyRules(t *testing.T) {
	p := Policy{Namespaces: []string{"shop", "team-*"}, RefusedKinds: []string{"ClusterRoleBinding", "Widget.example.com"}}
	for ns, want := range map[string]bool{"shop": true, "team-a": true, "kube-system": false, "shop2": false} {
		if got := p.NamespaceAllowed(ns); got != want {
			t.Errorf("NamespaceAllowed(%q) = %v, want %v", ns, got, want)
		}
	}
	for _, tc := range []struct{ group, kind, want string }{
		{"rbac.authorization.k8s.io", "ClusterRoleBinding", "ClusterRoleBinding"},
		{"example.com", "Widget", "Widget.example.com"},
		{"other.io", "Widget", ""},
		{"", "ConfigMap", ""},
	} {
		if got := p.RefusesKind(tc.group, tc.kind); got != tc.want {
			t.Errorf("RefusesKind(%q, %q) = %q, want %q", tc.group, tc.kind, got, tc.want)
		}
	}
	if (Policy{}).NamespaceAllowed("anything") != true || !(Policy{}).Empty() {
		t.Error("an empty policy limits something")
	}
	if (Policy{}).ClusterScopedAllowed() || (Policy{}).EscalationAllowed() {
		t.Error("an unset clusterScoped or allowEscalation allows")
	}
	if got := (Policy{RigelClusterRoles: []string{"deployer-x", "rigel-reader"}}).RigelRoles(); strings.Join(got, ",") != "rigel-deployer,rigel-reader,deployer-x" {
		t.Errorf("RigelRoles = %v", got)
	}
	if probs := (Policy{Namespaces: []string{"[bad"}, RefusedKinds: []string{"a kind"}, RigelClusterRoles: []string{"rigel-*"}}).Problems("the policy of web"); len(probs) != 3 {
		t.Errorf("Problems = %q, want three", probs)
	}
}

// The documented YAML of a policy, written by an admin into the ConfigMap, is read, and kept
// by every later write of the registry; a registry without policies reads as before.
func TestPolicyInTheRegistry(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	reposYAML := `- repo: acme/shop
  branch: main
  deployments:
    - name: web
      path: apps/web/k8s
      policy:
        namespaces: [shop, shop-*]
        clusterScoped: false
        refusedKinds: [ClusterRoleBinding]
    - name: api
      path: apps/api/k8s
`
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: SourcesConfigMap, Namespace: ns}, Data: map[string]string{"version": "2", "repos.yaml": reposYAML}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(cs, ns)
	want := &Policy{Namespaces: []string{"shop", "shop-*"}, ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding"}}
	check := func(s *Sources) {
		t.Helper()
		_, web := s.FindDeployment("web")
		_, api := s.FindDeployment("api")
		if web == nil || !reflect.DeepEqual(web.Policy, want) {
			t.Fatalf("web's policy = %+v, want %+v", web, want)
		}
		if api == nil || api.Policy != nil {
			t.Fatalf("api has a policy: %+v", api)
		}
	}
	s, err := reg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(s)
	if _, err := reg.Update(context.Background(), func(s *Sources) error {
		return s.AddDeployment(Repo{Repo: "acme/shop", Branch: "main"}, Deployment{Name: "admin", Path: "apps/admin"})
	}); err != nil {
		t.Fatal(err)
	}
	s, err = reg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(s)
	if got := getCM(t, cs, ns).Data["repos.yaml"]; !strings.Contains(got, `"clusterScoped":false`) || strings.Count(got, `"policy":`) != 1 {
		t.Errorf("the written registry lost or added policies:\n%s", got)
	}
}

func TestDefaultPolicySettings(t *testing.T) {
	env := map[string]string{
		"RIGEL_DEFAULT_NAMESPACES":     "apps-*, shop",
		"RIGEL_DEFAULT_CLUSTER_SCOPED": "false",
		"RIGEL_DEFAULT_REFUSED_KINDS":  "ClusterRoleBinding,ClusterRole",
	}
	s, err := LoadSettings(context.Background(), func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{Namespaces: []string{"apps-*", "shop"}, ClusterScoped: boolp(false), RefusedKinds: []string{"ClusterRoleBinding", "ClusterRole"}}
	if !reflect.DeepEqual(s.DefaultPolicy, want) {
		t.Fatalf("DefaultPolicy = %+v, want %+v", s.DefaultPolicy, want)
	}
	env["RIGEL_DEFAULT_CLUSTER_SCOPED"] = "nope"
	if _, err := LoadSettings(context.Background(), func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), "RIGEL_DEFAULT_CLUSTER_SCOPED") {
		t.Fatalf("a bad RIGEL_DEFAULT_CLUSTER_SCOPED = %v, want an error naming it", err)
	}
	s = &Settings{DefaultPolicy: Policy{Namespaces: []string{"[x"}}}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), `namespace pattern "[x"`) {
		t.Fatalf("Validate = %v, want the bad pattern named", err)
	}
	if js, err := (Settings{DefaultPolicy: want}).MarshalJSON(); err != nil || !strings.Contains(string(js), `"refusedKinds":["ClusterRoleBinding","ClusterRole"]`) {
		t.Errorf("the shown settings lack the default policy: %s %v", js, err)
	}
}
