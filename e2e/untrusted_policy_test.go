package e2e

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
)

// Issue 9, item 6: a deployment's policy only narrows the cluster admin's default. Two
// replicas share a namespace (registry, conversation): B runs with no default policy, A with a
// default that names kube-system and Rigel's namespace literally (and grants Namespace
// objects), as a cluster admin would set it.
func TestUntrustedPolicyOnlyNarrows(t *testing.T) {
	yes := true
	ns := unique("rigel-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	open := startReplica(t, ns, "rigel-open", func(s *config.Settings) {
		s.DefaultPolicy = config.Policy{Namespaces: []string{"kube-system", ns, "*"}, NamespaceObjects: &yes}
	})
	closed := startReplica(t, ns, "rigel-closed", nil)
	admin := unique("admin")

	sysCM, ownCM := unique("sneaky-sys"), unique("sneaky-own")
	r := newRepo(t, map[string]string{
		"apps/sys/cm-sys.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: kube-system\ndata:\n  a: b\n", sysCM),
		"apps/sys/cm-own.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  a: b\n", ownCM, ns),
	})
	gh.SetPermission(r.full, admin, "admin")
	c := closed.issue(r)
	name := unique("sys")
	mustContain(t, c.replyAs(admin, "/rigel add-deployment apps/sys --name "+name+" --namespaces '*'"), "Registered deployment `"+name+"`")
	if _, d := closed.registry().FindDeployment(name); d == nil || d.Policy == nil || len(d.Policy.Namespaces) != 1 || d.Policy.Namespaces[0] != "*" {
		t.Fatalf("the policy of the new deployment is %+v", d)
	}
	nothingApplied := func(t *testing.T) {
		t.Helper()
		if configMapExists(t, "kube-system", sysCM) || configMapExists(t, ns, ownCM) {
			t.Fatal("an object in a protected namespace was applied")
		}
	}

	t.Run("--namespaces '*' does not open kube-system nor Rigel's namespace to diff", func(t *testing.T) {
		got := c.reply("/rigel diff " + name)
		mustContain(t, got, "2 against the deployment's policy",
			"namespace kube-system is protected", "namespace "+ns+" is protected", "/rigel policy "+name)
		nothingApplied(t)
	})
	t.Run("nor to sync", func(t *testing.T) {
		got := c.reply("/rigel sync " + name)
		mustContain(t, got, "Nothing is armed while an object is against the policy")
		mustNotContain(t, got, "rigel:plan")
	})
	t.Run("policy shows the protected namespaces", func(t *testing.T) {
		got := c.reply("/rigel policy " + name)
		mustContain(t, got, "| `namespaces` | `*` | the deployment |",
			"| protected namespaces | `"+ns+"`, `kube-system`, `kube-public`, `kube-node-lease` refused |", "can only narrow")
	})
	t.Run("an admin default naming them literally allows them", func(t *testing.T) {
		got := c.on(open).reply("/rigel sync " + name)
		mustContain(t, got, "rigel:plan deployment="+name)
		mustNotContain(t, got, "against the deployment's policy")
		mustContain(t, c.on(open).reply("/rigel policy "+name), "the default names (and so allows) `"+ns+"`, `kube-system`")
	})
	t.Run("apply of the armed plan is refused where the default does not name them", func(t *testing.T) {
		got := c.reply("/rigel apply " + name)
		mustContain(t, got, "❌", "the policy of `"+name+"` refuses 2 objects", "Nothing was applied", "namespace kube-system is protected")
		nothingApplied(t)
	})
	t.Run("and applied where it does", func(t *testing.T) {
		t.Cleanup(func() {
			_ = kc.Typed.CoreV1().ConfigMaps("kube-system").Delete(context.Background(), sysCM, metav1.DeleteOptions{})
		})
		got := c.on(open).reply("/rigel apply " + name)
		mustContain(t, got, "Rigel applied `"+name+"`")
		if !configMapExists(t, "kube-system", sysCM) || !configMapExists(t, ns, ownCM) {
			t.Fatal("the allowed apply did not create the ConfigMaps")
		}
	})

	// A Namespace object allowed by name under clusterScoped: false (it could relabel the
	// namespace's pod-security level) follows clusterScoped, unless the default allows it.
	t.Run("a Namespace object under clusterScoped: false is refused", func(t *testing.T) {
		team := unique("team")
		nr := newRepo(t, map[string]string{
			"apps/ns/namespace.yaml": fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n", team),
		})
		nc := closed.issue(nr)
		nsName := unique("nsobj")
		mustContain(t, nc.reply("/rigel add-deployment apps/ns --name "+nsName), "Registered deployment")
		setPolicyYAML(t, closed.bot, nr, nsName, fmt.Sprintf("namespaces: [%s]\nclusterScoped: false", team))
		got := nc.reply("/rigel diff " + nsName)
		mustContain(t, got, "1 against the deployment's policy", "Namespace is cluster-scoped", "(`clusterScoped`)")
		got = nc.reply("/rigel sync " + nsName)
		mustContain(t, got, "Nothing is armed while an object is against the policy")
		// The replica whose default sets namespaceObjects: true lets it through.
		got = nc.on(open).reply("/rigel diff " + nsName)
		mustContain(t, got, "1 to create")
		mustNotContain(t, got, "against the deployment's policy")
		if _, err := kc.Typed.CoreV1().Namespaces().Get(context.Background(), team, metav1.GetOptions{}); err == nil {
			t.Fatal("a diff created the namespace")
		}
	})
}
