package e2e

import (
	"context"
	"os"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
)

// shippedDefaultPolicy is the default policy of the installation Rigel ships: the settings of
// the kustomize base's Deployment (which deploy/chart_test.go keeps equal to the chart's),
// loaded with Rigel's own settings loader.
func shippedDefaultPolicy(t *testing.T) config.Policy {
	t.Helper()
	raw, err := os.ReadFile("../deploy/base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	s, err := config.LoadSettings(context.Background(), func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("the shipped settings do not load: %v", err)
	}
	if s.DefaultPolicy.ClusterScoped == nil {
		t.Fatal("the shipped settings do not set clusterScoped")
	}
	return s.DefaultPolicy
}

// Issue 18, item 5: out of the box, a writer of a registered folder is not a cluster admin.
// A Rigel with the shipped default policy refuses, before the cluster sees them, a
// self-binding of rigel-deployer (cluster-wide and in an allowed namespace), a ServiceAccount
// token Secret and a TokenRequest, an admission webhook, and a cluster-scoped object of a
// deployment with no policy; each refusal names the admin setting that opens it. A replica
// whose cluster admin opened clusterScoped in the default applies the cluster-scoped object,
// and still refuses the self-binding.
func TestTrustDefaults(t *testing.T) {
	shipped := shippedDefaultPolicy(t)
	ns := unique("rigel-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	app := unique("shop")
	if err := cluster.CreateNamespace(app); err != nil {
		t.Fatal(err)
	}
	closed := startReplica(t, ns, "rigel-shipped", func(s *config.Settings) { s.DefaultPolicy = shipped })
	opened := startReplica(t, ns, "rigel-opened", func(s *config.Settings) {
		s.DefaultPolicy = shipped
		yes := true
		s.DefaultPolicy.ClusterScoped = &yes // what a cluster admin sets: RIGEL_DEFAULT_CLUSTER_SCOPED=true
	})
	crb, rb, pc := unique("me-admin"), unique("me-deployer"), unique("rigel-trust-pc")
	t.Cleanup(func() {
		ctx := context.Background()
		_ = kc.Typed.RbacV1().ClusterRoleBindings().Delete(ctx, crb, metav1.DeleteOptions{})
		_ = kc.Typed.SchedulingV1().PriorityClasses().Delete(ctx, pc, metav1.DeleteOptions{})
	})
	r := newRepo(t, map[string]string{
		"apps/selfbind/crb.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ` + crb + `}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rigel-deployer}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: mallory}]
`,
		"apps/nsbind/rb.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ` + rb + `, namespace: ` + app + `}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rigel-deployer}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: mallory}]
`,
		"apps/token/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: default-token
  namespace: ` + app + `
  annotations: {kubernetes.io/service-account.name: default}
type: kubernetes.io/service-account-token
---
apiVersion: authentication.k8s.io/v1
kind: TokenRequest
metadata: {name: default, namespace: ` + app + `}
spec: {audiences: [mallory]}
`,
		"apps/webhook/vwc.yaml": `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ` + unique("spy") + `}
webhooks: []
`,
		"apps/cluster/pc.yaml": `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: ` + pc + `}
value: 1000
`,
		"apps/cluster/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: " + app + "}\ndata: {a: b}\n",
	})
	c := closed.issue(r)
	names := map[string]string{}
	for _, folder := range []string{"selfbind", "nsbind", "token", "webhook", "cluster"} {
		names[folder] = unique(folder)
		mustContain(t, c.reply("/rigel add-deployment apps/"+folder+" --name "+names[folder]), "Registered deployment")
	}
	const opens = "allowEscalation: true, RIGEL_DEFAULT_ALLOW_ESCALATION=true"

	t.Run("a ClusterRoleBinding of rigel-deployer to oneself is refused", func(t *testing.T) {
		got := c.reply("/rigel diff " + names["selfbind"])
		mustContain(t, got, "1 against the deployment's policy", "🚫 not sent <code>ClusterRoleBinding/"+crb+"</code>",
			"ClusterRoleBinding "+crb+" is refused", opens, "RIGEL_DEFAULT_CLUSTER_SCOPED=true", "it was not sent to the cluster")
		mustNotContain(t, c.reply("/rigel sync "+names["selfbind"]), "rigel:plan")
		// sync armed nothing, so there is nothing to apply.
		mustContain(t, c.reply("/rigel apply "+names["selfbind"]), "❌", "nothing was previewed")
		if _, err := kc.Typed.RbacV1().ClusterRoleBindings().Get(context.Background(), crb, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the ClusterRoleBinding exists (or: %v)", err)
		}
	})
	t.Run("a RoleBinding of rigel-deployer in an allowed namespace is refused", func(t *testing.T) {
		got := c.reply("/rigel diff " + names["nsbind"])
		mustContain(t, got, "1 against the deployment's policy", "RoleBinding "+rb+" is refused: it binds rigel-deployer, one of Rigel's own ClusterRoles", opens)
		mustContain(t, c.reply("/rigel apply "+names["nsbind"]), "❌", "nothing was previewed")
		if _, err := kc.Typed.RbacV1().RoleBindings(app).Get(context.Background(), rb, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the RoleBinding exists (or: %v)", err)
		}
	})
	t.Run("a ServiceAccount token Secret and a TokenRequest are refused", func(t *testing.T) {
		got := c.reply("/rigel diff " + names["token"])
		mustContain(t, got, "2 against the deployment's policy", "Secret default-token is refused: its type kubernetes.io/service-account-token",
			"TokenRequest default is refused: it creates a token of a ServiceAccount", opens)
		mustContain(t, c.reply("/rigel apply "+names["token"]), "❌", "nothing was previewed")
		if _, err := kc.Typed.CoreV1().Secrets(app).Get(context.Background(), "default-token", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the token Secret exists (or: %v)", err)
		}
	})
	t.Run("an admission webhook is refused", func(t *testing.T) {
		got := c.reply("/rigel diff " + names["webhook"])
		mustContain(t, got, "1 against the deployment's policy", "ValidatingWebhookConfiguration", "admission webhooks and policies see or change every object", opens)
	})
	t.Run("a cluster-scoped object of a deployment without a policy is refused", func(t *testing.T) {
		got := c.reply("/rigel diff " + names["cluster"])
		mustContain(t, got, "1 to create", "1 against the deployment's policy", "PriorityClass.scheduling.k8s.io is cluster-scoped",
			"clusterScoped is false unless the cluster admin's default policy sets it true, RIGEL_DEFAULT_CLUSTER_SCOPED=true")
		mustContain(t, c.reply("/rigel apply "+names["cluster"]), "❌", "nothing was previewed")
		if _, err := kc.Typed.SchedulingV1().PriorityClasses().Get(context.Background(), pc, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the PriorityClass exists (or: %v)", err)
		}
	})
	t.Run("policy shows the shipped default", func(t *testing.T) {
		got := c.reply("/rigel policy " + names["cluster"])
		mustContain(t, got, "| `clusterScoped` | not allowed | the default (`RIGEL_DEFAULT_CLUSTER_SCOPED`) |",
			"| escalation guard | on: refuses ClusterRoleBindings, bindings of `rigel-deployer`, `rigel-reader`", "(`RIGEL_DEFAULT_ALLOW_ESCALATION`)",
			"| protected namespaces | `"+ns+"`")
	})
	t.Run("once the admin opens clusterScoped, the cluster-scoped object applies", func(t *testing.T) {
		oc := c.on(opened)
		got := oc.reply("/rigel sync " + names["cluster"])
		mustContain(t, got, "2 to create", "rigel:plan deployment="+names["cluster"])
		mustNotContain(t, got, "against the deployment's policy")
		mustContain(t, oc.reply("/rigel apply "+names["cluster"]), "Rigel applied `"+names["cluster"]+"`")
		if _, err := kc.Typed.SchedulingV1().PriorityClasses().Get(context.Background(), pc, metav1.GetOptions{}); err != nil {
			t.Fatalf("the allowed apply did not create the PriorityClass: %v", err)
		}
	})
	t.Run("and the self-binding stays refused by the escalation guard", func(t *testing.T) {
		oc := c.on(opened)
		got := oc.reply("/rigel diff " + names["selfbind"])
		mustContain(t, got, "1 against the deployment's policy", "ClusterRoleBinding "+crb+" is refused", opens)
		mustNotContain(t, got, "RIGEL_DEFAULT_CLUSTER_SCOPED=true")
		mustContain(t, oc.reply("/rigel apply "+names["selfbind"]), "❌", "nothing was previewed")
		if _, err := kc.Typed.RbacV1().ClusterRoleBindings().Get(context.Background(), crb, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the ClusterRoleBinding exists (or: %v)", err)
		}
	})
}
