package e2e

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/config"
)

// policyFiles is a folder with a Namespace and a ConfigMap in it, a ConfigMap in another
// namespace, and a ClusterRoleBinding.
func policyFiles(ns, other, crb string) map[string]string {
	return map[string]string{
		"apps/web/k8s/namespace.yaml": fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns),
		"apps/web/k8s/config.yaml":    fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: %s\ndata:\n  a: b\n", ns),
		"apps/web/k8s/other.yaml":     fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sneaky\n  namespace: %s\ndata:\n  a: b\n", other),
		"apps/web/k8s/rbac.yaml": fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: %s
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: default, namespace: %s}]
`, crb, ns),
	}
}

// setPolicyYAML does what a cluster admin does: edits repos.yaml of the registry ConfigMap by
// hand, in the documented shape.
func setPolicyYAML(t *testing.T, b *bot, r repo, name, policy string) {
	t.Helper()
	ctx := context.Background()
	cms := kc.Typed.CoreV1().ConfigMaps(b.namespace)
	cm, err := cms.Get(ctx, config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := b.registry()
	repoEntry := src.FindRepo(r.full)
	var y strings.Builder
	fmt.Fprintf(&y, "- repo: %s\n  branch: main\n  cloneURL: %s\n  installationID: %d\n  deployments:\n", repoEntry.Repo, repoEntry.CloneURL, repoEntry.InstallationID)
	for _, d := range repoEntry.Deployments {
		fmt.Fprintf(&y, "    - name: %s\n      path: %s\n", d.Name, d.Path)
		if d.Name == name && policy != "" {
			y.WriteString("      policy:\n")
			for _, l := range strings.Split(strings.TrimSpace(policy), "\n") {
				y.WriteString("        " + l + "\n")
			}
		}
	}
	cm.Data["repos.yaml"] = y.String()
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
}

func configMapExists(t *testing.T, ns, name string) bool {
	t.Helper()
	_, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func TestPolicy(t *testing.T) {
	yes := true
	// The cluster admin opened cluster-scoped objects and the escalation guard (which refuses
	// any ClusterRoleBinding): the deployment's own policy is what narrows here.
	b := startBotWith(t, func(s *config.Settings) {
		s.DefaultPolicy = config.Policy{ClusterScoped: &yes, AllowEscalation: &yes}
	})
	ns, other, crb := unique("pol"), unique("polother"), unique("pol-crb")
	if err := cluster.CreateNamespace(other); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, policyFiles(ns, other, crb))
	name := unique("polweb")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	admin := unique("admin")
	gh.SetPermission(r.full, admin, "admin")

	t.Run("no policy: as before", func(t *testing.T) {
		got := c.reply("/rigel diff " + name)
		mustContain(t, got, "4 to create")
		mustNotContain(t, got, "policy")
		mustContain(t, c.reply("/rigel policy "+name), "| `clusterScoped` | allowed | the default (`RIGEL_DEFAULT_CLUSTER_SCOPED`) |",
			"| escalation guard | open", "kubectl -n "+b.namespace+" edit configmap helmsman-git-sources")
	})

	// Armed before the admin sets the policy: apply must still refuse.
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	setPolicyYAML(t, b, r, name, fmt.Sprintf("namespaces: [%s]\nclusterScoped: false\nrefusedKinds: [ClusterRoleBinding]", ns))

	t.Run("apply refuses a plan armed before the policy", func(t *testing.T) {
		got := c.reply("/rigel apply " + name + " --force")
		mustContain(t, got, "❌", "the policy of `"+name+"` refuses 3 objects", "Nothing was applied",
			"`ConfigMap/"+other+"/sneaky`: namespace "+other+" is not allowed (namespaces: "+ns+")",
			"`ClusterRoleBinding/"+crb+"`: kind ClusterRoleBinding.rbac.authorization.k8s.io is refused",
			"cluster-scoped objects are not allowed (clusterScoped is false",
			"ConfigMap `helmsman-git-sources` (namespace `"+b.namespace+"`)", "/rigel policy "+name, "`--force` does not override a policy")
		if configMapExists(t, ns, "web") || configMapExists(t, other, "sneaky") {
			t.Fatal("a refused apply created objects")
		}
	})
	t.Run("the diff shows violations per object and in the summary", func(t *testing.T) {
		got := c.reply("/rigel diff " + name)
		mustContain(t, got, "3 against the deployment's policy", "ConfigMap/"+other+"/sneaky</code>", "🚫 against the policy",
			"namespace "+other+" is not allowed", "(`refusedKinds`)", "(`clusterScoped`)", "/rigel policy "+name,
			"Namespace is cluster-scoped") // a Namespace object follows clusterScoped, even one the namespaces allow
	})
	t.Run("sync does not arm against the policy", func(t *testing.T) {
		got := c.reply("/rigel sync " + name)
		mustContain(t, got, "Nothing is armed while an object is against the policy")
		mustNotContain(t, got, "rigel:plan")
	})
	t.Run("policy shows it and who changes it", func(t *testing.T) {
		got := c.reply("/rigel policy " + name)
		mustContain(t, got, "**Policy of `"+name+"`**", "| `namespaces` | `"+ns+"` | the deployment |", "| `clusterScoped` | not allowed |",
			"`ClusterRoleBinding`", "No command changes a policy", "kubectl -n "+b.namespace+" edit configmap helmsman-git-sources")
	})
	t.Run("link keeps to the policy's namespaces", func(t *testing.T) {
		createWorkload(t, "Deployment", other, "outside")
		before := getWorkload(t, "Deployment", other, "outside")
		got := c.reply(fmt.Sprintf("/rigel link deploy/outside -n %s %s", other, name))
		mustContain(t, got, "❌", "the policy of the deployment `"+name+"` does not allow Deployment `outside` in namespace `"+other+"`",
			"namespace "+other+" is not allowed", "Nothing was changed", "/rigel policy "+name)
		if after := getWorkload(t, "Deployment", other, "outside"); !reflect.DeepEqual(after, before) {
			t.Errorf("a refused link changed the workload: %+v → %+v", before, after)
		}
	})
	t.Run("a writer cannot remove a deployment that has a policy", func(t *testing.T) {
		got := c.reply("/rigel remove-deployment " + name)
		mustContain(t, got, "❌", "which has a policy", "only an admin of "+r.full, "@octocat has the `write` role", "Nothing was done")
		if _, d := b.registry().FindDeployment(name); d == nil || d.Policy == nil {
			t.Fatalf("the deployment or its policy is gone: %+v", d)
		}
	})
	t.Run("every registry write keeps the policy", func(t *testing.T) {
		c.reply("/rigel add-deployment apps/web --name " + unique("polsecond")) // another write to the registry
		if _, d := b.registry().FindDeployment(name); d == nil || d.Policy == nil || len(d.Policy.Namespaces) != 1 {
			t.Fatalf("the policy was lost: %+v", d)
		}
	})
	t.Run("a policy that allows it lets it apply", func(t *testing.T) {
		setPolicyYAML(t, b, r, name, fmt.Sprintf("namespaces: [%s, %s]", ns, other))
		mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
		got := c.reply("/rigel apply " + name)
		mustContain(t, got, "Rigel applied `"+name+"`", "Succeeded")
		if !configMapExists(t, other, "sneaky") {
			t.Fatal("the allowed apply did not create the ConfigMap")
		}
		t.Cleanup(func() {
			_ = kc.Typed.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb, metav1.DeleteOptions{})
		})
	})
}

func TestPolicyFromAddDeploymentAndDefaults(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) {
		yes := true // cluster-scoped objects and the escalation guard opened: the refused kinds speak
		s.DefaultPolicy = config.Policy{RefusedKinds: []string{"ClusterRoleBinding"}, ClusterScoped: &yes, AllowEscalation: &yes}
	})
	ns, other, crb := unique("pold"), unique("poldother"), unique("pold-crb")
	r := newRepo(t, policyFiles(ns, other, crb))
	c := b.issue(r)
	admin := unique("admin")
	gh.SetPermission(r.full, admin, "admin")

	t.Run("a writer cannot set a policy", func(t *testing.T) {
		got := c.reply("/rigel add-deployment apps/web/k8s --namespaces " + ns)
		mustContain(t, got, "❌", "`--namespaces` sets the deployment's policy", "only an admin of "+r.full)
		if repo := b.registry().FindRepo(r.full); repo != nil {
			t.Fatalf("the refusal registered %+v", repo)
		}
	})
	t.Run("bad namespaces are refused", func(t *testing.T) {
		got := c.replyAs(admin, "/rigel add-deployment apps/web/k8s --namespaces 'a b,$(id)'")
		mustContain(t, got, "❌", "cannot be a namespace", "Nothing was registered")
	})
	name := unique("poldweb")
	t.Run("an admin sets the first policy", func(t *testing.T) {
		got := c.replyAs(admin, "/rigel add-deployment apps/web/k8s --name "+name+" --namespaces "+ns+",team-*")
		mustContain(t, got, "Registered deployment `"+name+"`", "own policy names the namespaces `"+ns+"`, `team-*`", "never opens a protected namespace")
		_, d := b.registry().FindDeployment(name)
		if d == nil || d.Policy == nil || strings.Join(d.Policy.Namespaces, ",") != ns+",team-*" {
			t.Fatalf("registry = %+v", d)
		}
	})
	t.Run("the default refused kinds hold on top", func(t *testing.T) {
		got := c.reply("/rigel diff " + name)
		mustContain(t, got, "2 against the deployment's policy", "kind ClusterRoleBinding.rbac.authorization.k8s.io is refused", "namespace "+other+" is not allowed")
		mustContain(t, c.reply("/rigel policy "+name), "| `refusedKinds` | `ClusterRoleBinding` | the default (`RIGEL_DEFAULT_REFUSED_KINDS`) |")
	})
	t.Run("an admin may remove it", func(t *testing.T) {
		mustContain(t, c.replyAs(admin, "/rigel remove-deployment "+name), "Removed deployment")
	})
}

// TestOtherReconcilers: objects Argo CD or Flux manage are shown as such, and apply takes them
// over only with --force.
func TestOtherReconcilers(t *testing.T) {
	b := startBot(t)
	ns := unique("recon")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cms := kc.Typed.CoreV1().ConfigMaps(ns)
	for name, obj := range map[string]string{
		"argo": fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"argo","namespace":%q,"labels":{"argocd.argoproj.io/instance":"shop"}},"data":{"owner":"argo"}}`, ns),
		"flux": fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"flux","namespace":%q,"labels":{"kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"}},"data":{"owner":"flux"}}`, ns),
	} {
		manager := map[string]string{"argo": "argocd-controller", "flux": "kustomize-controller"}[name]
		if _, err := cms.Patch(ctx, name, types.ApplyPatchType, []byte(obj), metav1.PatchOptions{FieldManager: manager}); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{}
	for _, n := range []string{"argo", "flux", "mine"} {
		files["apps/web/k8s/"+n+".yaml"] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  owner: rigel\n", n, ns)
	}
	r := newRepo(t, files)
	name := unique("reconweb")
	c := b.issue(r)
	c.reply("/rigel add-deployment apps/web/k8s --name " + name)

	got := c.reply("/rigel diff " + name)
	mustContain(t, got, "1 to create, 2 to change", "1 managed by Argo CD, 1 by Flux",
		"ConfigMap/"+ns+"/argo</code> from <code>apps/web/k8s/argo.yaml</code> — managed by Argo CD", "**Managed by Argo CD Application `shop`**",
		"**Managed by Flux Kustomization `flux-system/apps`**", "`label argocd.argoproj.io/instance=shop`")
	got = c.reply("/rigel sync " + name)
	mustContain(t, got, "rigel:plan", "`/rigel apply "+name+" --force` applies exactly this and takes them over")

	got = c.reply("/rigel apply " + name)
	mustContain(t, got, "❌", "2 objects of `"+name+"` are managed by another reconciler", "Nothing was applied",
		"`ConfigMap/"+ns+"/argo`: Argo CD Application `shop`", "`ConfigMap/"+ns+"/flux`: Flux Kustomization `flux-system/apps`", "`/rigel apply "+name+" --force`")
	if configMapExists(t, ns, "mine") {
		t.Fatal("a refused apply created an object")
	}
	if cm, _ := cms.Get(ctx, "argo", metav1.GetOptions{}); cm.Data["owner"] != "argo" {
		t.Fatal("a refused apply changed Argo CD's object")
	}

	got = c.reply("/rigel apply " + name + " --force")
	mustContain(t, got, "Rigel applied `"+name+"`", "Succeeded")
	if cm, _ := cms.Get(ctx, "argo", metav1.GetOptions{}); cm.Data["owner"] != "rigel" || cm.Annotations["helmsman.dev/source-repo"] != name {
		t.Fatalf("the forced apply did not take the object over: %v %v", cm.Data, cm.Annotations)
	}
}
