package policy

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// change is the change of the object in manifest, as DiffOptions.Refuse sees it.
func change(t *testing.T, manifest string, clusterScoped bool) sync.Change {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(manifest), &m); err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	gvk := u.GroupVersionKind()
	return sync.NewChange(sync.Ref{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}, clusterScoped, u)
}

// The escalation guard, under the policy of a deployment when the cluster admin opened
// cluster-scoped objects (so only the guard speaks), and when they opened the guard too.
func TestEscalation(t *testing.T) {
	csOpen := eff(nil, config.Policy{ClusterScoped: boolp(true)})
	allOpen := eff(nil, config.Policy{ClusterScoped: boolp(true), AllowEscalation: boolp(true)})
	ownRoles := eff(nil, config.Policy{ClusterScoped: boolp(true), RigelClusterRoles: []string{"deployer-prod"}})
	takenBack := eff(&config.Policy{AllowEscalation: boolp(false)}, config.Policy{ClusterScoped: boolp(true), AllowEscalation: boolp(true)})
	notByDeployment := eff(&config.Policy{AllowEscalation: boolp(true)}, config.Policy{ClusterScoped: boolp(true)})
	tests := []struct {
		name     string
		pol      config.Policy
		manifest string
		cluster  bool
		want     string // a part of the refusal; "" none
	}{
		{"a ClusterRoleBinding of rigel-deployer to a user", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: me-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rigel-deployer}
subjects: [{kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io}]`, true, "ClusterRoleBinding me-admin is refused: it grants in every namespace"},
		{"any ClusterRoleBinding", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]`, true, "ClusterRoleBinding view-all is refused"},
		{"a ClusterRoleBinding when the admin opened the guard", allOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}`, true, ""},
		{"the deployment takes the opening back", takenBack, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}`, true, "allowEscalation: true, RIGEL_DEFAULT_ALLOW_ESCALATION=true"},
		{"a deployment cannot open the guard", notByDeployment, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}`, true, "is refused"},
		{"a RoleBinding of rigel-deployer", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: me, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rigel-deployer}
subjects: [{kind: User, name: mallory}]`, false, "it binds rigel-deployer, one of Rigel's own ClusterRoles"},
		{"a RoleBinding of rigel-reader", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: me, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rigel-reader}`, false, "it binds rigel-reader"},
		{"a RoleBinding of a ClusterRole the admin names as Rigel's", ownRoles, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: me, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: deployer-prod}`, false, "it binds deployer-prod"},
		{"a RoleBinding of cluster-admin", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: me, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}`, false, "the built-in ClusterRole cluster-admin"},
		{"a RoleBinding of a system: ClusterRole", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: me, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:controller:token-cleaner"}`, false, "system:controller:token-cleaner"},
		{"a RoleBinding of the built-in view in the namespace", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}`, false, ""},
		{"a RoleBinding of a Role named rigel-deployer", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: x, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rigel-deployer}`, false, ""},
		{"a Role that reads ConfigMaps", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}]`, false, ""},
		{"a Role with every verb", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: all, namespace: shop}
rules: [{apiGroups: [""], resources: [configmaps], verbs: ["*"]}]`, false, "Role all is refused: rule 1 grants every verb (*)"},
		{"a ClusterRole with every resource", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
rules: [{apiGroups: [""], resources: [configmaps]}, {apiGroups: ["*"], resources: ["*"], verbs: [get]}]`, true, "rule 2 grants every resource (*)"},
		{"a ClusterRole that escalates", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: esc}
rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [escalate, bind]}]`, true, "grants the verb escalate"},
		{"a ClusterRole that impersonates", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: imp}
rules: [{apiGroups: [""], resources: [users, serviceaccounts], verbs: [impersonate]}]`, true, "grants the verb impersonate"},
		{"a Role that creates ServiceAccount tokens", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tok, namespace: shop}
rules: [{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}]`, false, "grants create on serviceaccounts/token"},
		{"a Role that reads ServiceAccounts", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: sa, namespace: shop}
rules: [{apiGroups: [""], resources: [serviceaccounts], verbs: [get, create]}]`, false, ""},
		{"a ClusterRole that proxies to kubelets", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kubelet}
rules: [{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]`, true, "nodes/proxy"},
		{"an aggregated ClusterRole", csOpen, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}}]}`, true, "aggregationRule"},
		{"a ServiceAccount token Secret", csOpen, `
apiVersion: v1
kind: Secret
metadata: {name: tok, namespace: shop, annotations: {kubernetes.io/service-account.name: default}}
type: kubernetes.io/service-account-token`, false, `Secret tok is refused: its type kubernetes.io/service-account-token makes the cluster fill it with a lasting token of ServiceAccount "default"`},
		{"an Opaque Secret", csOpen, `
apiVersion: v1
kind: Secret
metadata: {name: app, namespace: shop}
type: Opaque`, false, ""},
		{"a TokenRequest", csOpen, `
apiVersion: authentication.k8s.io/v1
kind: TokenRequest
metadata: {name: default, namespace: shop}`, false, "TokenRequest default is refused"},
		{"a ValidatingWebhookConfiguration", csOpen, `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: spy}`, true, "ValidatingWebhookConfiguration spy is refused: admission webhooks"},
		{"a MutatingWebhookConfiguration", csOpen, `
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: spy}`, true, "MutatingWebhookConfiguration spy is refused"},
		{"a ValidatingAdmissionPolicyBinding", csOpen, `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: deny-all}`, true, "ValidatingAdmissionPolicyBinding deny-all is refused"},
		{"an APIService", csOpen, `
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}`, true, "APIService v1beta1.metrics.k8s.io is refused"},
		{"a hostPath PersistentVolume", csOpen, `
apiVersion: v1
kind: PersistentVolume
metadata: {name: root}
spec: {hostPath: {path: /}, capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce]}`, true, `its hostPath "/"`},
		{"an NFS PersistentVolume", csOpen, `
apiVersion: v1
kind: PersistentVolume
metadata: {name: nfs}
spec: {nfs: {server: nfs.example, path: /x}}`, true, ""},
		{"a Deployment", csOpen, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}`, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var msgs []string
			for _, v := range Violations(tc.pol, change(t, tc.manifest, tc.cluster)) {
				if v.Rule != RuleEscalation {
					t.Fatalf("a violation of %s: %s", v.Rule, v.Msg)
				}
				if !strings.Contains(v.Msg, escalationOpen) {
					t.Errorf("the refusal %q does not say how the cluster admin opens it", v.Msg)
				}
				msgs = append(msgs, v.Msg)
			}
			got := strings.Join(msgs, "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("refusals %q, want %q", got, tc.want)
			}
		})
	}
}

// Under the settings' defaults (no default policy), the guard and clusterScoped both refuse
// a self-binding; a change without its object (link, takeover) is judged by its kind alone.
func TestEscalationUnderTheDefaults(t *testing.T) {
	c := change(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: me}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rigel-deployer}`, true)
	var rules []string
	for _, v := range Violations(eff(nil, config.Policy{}), c) {
		rules = append(rules, v.Rule)
	}
	if strings.Join(rules, ",") != RuleEscalation+","+RuleClusterScoped {
		t.Fatalf("rules %v, want escalation and clusterScoped", rules)
	}
	bare := sync.Change{Ref: sync.Ref{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding", Namespace: "shop", Name: "x"}}
	if v := Violations(eff(nil, config.Policy{}), bare); len(v) != 0 {
		t.Fatalf("a RoleBinding without its object: %v", v)
	}
}
