package deploy

import (
	"fmt"
	"testing"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/kube"
)

// right is one question to the apiserver's authorizer: may Rigel do verb on
// group/resource/subresource in namespace ns ("" cluster-wide).
type right struct {
	verb, group, resource, sub, ns string
}

func (r right) String() string {
	res := r.resource
	if r.sub != "" {
		res += "/" + r.sub
	}
	if r.group != "" {
		res += "." + r.group
	}
	where := "cluster-wide"
	if r.ns != "" {
		where = "in " + r.ns
	}
	return fmt.Sprintf("%s %s %s", r.verb, res, where)
}

// canI asks, as kc (kubectl auth can-i: a SelfSubjectAccessReview), whether kc may do r.
func canI(t *testing.T, kc *kube.Client, r right) bool {
	t.Helper()
	rev, err := kc.Typed.AuthorizationV1().SelfSubjectAccessReviews().Create(ctxT(t), &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
			Verb: r.verb, Group: r.group, Resource: r.resource, Subresource: r.sub, Namespace: r.ns,
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("can-i %s: %v", r, err)
	}
	return rev.Status.Allowed
}

// checkRights checks as rigel (Rigel's ServiceAccount) in the namespace ns it deploys to that
// the installed ClusterRoles (rigel-reader, rigel-deployer, rigel-hooks) let it read what its
// diffs and health checks read, write what it applies and run hooks (delete a hook's Job or
// Pod, read its logs), and hold nothing that hands out a token, a shell or more rights: no
// serviceaccounts/token, no pods/exec, attach or portforward, no */proxy, no escalate, bind or
// impersonate, no other delete.
func checkRights(t *testing.T, rigel *kube.Client, ns string) {
	t.Helper()
	can := []right{
		{"get", "", "secrets", "", ns},
		{"list", "", "pods", "", ns},
		{"list", "", "events", "", ns},
		{"watch", "apps", "deployments", "", ns},
		{"list", "apps", "replicasets", "", ns},
		{"create", "", "configmaps", "", ns},
		{"patch", "", "serviceaccounts", "", ns},
		{"patch", "apps", "deployments", "", ns},
		{"create", "rbac.authorization.k8s.io", "roles", "", ns},
		{"patch", "networking.k8s.io", "ingresses", "", ns},
		{"delete", "batch", "jobs", "", ns},
		{"delete", "", "pods", "", ns},
		{"get", "", "pods", "log", ns},
	}
	cannot := []right{
		{"create", "", "serviceaccounts", "token", ns},
		{"create", "", "pods", "exec", ns},
		{"get", "", "pods", "exec", ns},
		{"create", "", "pods", "attach", ns},
		{"create", "", "pods", "portforward", ns},
		{"get", "", "pods", "proxy", ns},
		{"get", "", "services", "proxy", ns},
		{"get", "", "nodes", "proxy", ""},
		{"patch", "", "pods", "ephemeralcontainers", ns},
		{"escalate", "rbac.authorization.k8s.io", "clusterroles", "", ""},
		{"bind", "rbac.authorization.k8s.io", "clusterroles", "", ""},
		{"escalate", "rbac.authorization.k8s.io", "roles", "", ns},
		{"bind", "rbac.authorization.k8s.io", "roles", "", ns},
		{"impersonate", "", "users", "", ""},
		{"impersonate", "", "serviceaccounts", "", ns},
		{"approve", "certificates.k8s.io", "signers", "", ""},
		{"delete", "", "configmaps", "", ns},
		{"delete", "apps", "deployments", "", ns},
		{"delete", "", "secrets", "", ns},
		{"deletecollection", "batch", "jobs", "", ns},
		{"deletecollection", "", "pods", "", ns},
		{"delete", "batch", "cronjobs", "", ns},
	}
	eventually(t, "the installed RBAC to reach the authorizer", func() error {
		if !canI(t, rigel, can[0]) {
			return fmt.Errorf("may not %s", can[0])
		}
		return nil
	})
	for _, r := range can {
		if !canI(t, rigel, r) {
			t.Errorf("Rigel may not %s: its diffs or applies need it", r)
		}
	}
	for _, r := range cannot {
		if canI(t, rigel, r) {
			t.Errorf("Rigel may %s: a writer of a folder could get it through a Role Rigel grants", r)
		}
	}
}
