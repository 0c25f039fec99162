package deploy

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestPodSecurityRestricted creates, in dry-run, a Pod from the Deployment's template in the
// namespace rigel, whose label enforces the "restricted" Pod Security Standard: the apiserver's
// PodSecurity admission must accept it. A weakened copy must be refused, which shows the
// standard is enforced there at all.
func TestPodSecurityRestricted(t *testing.T) {
	objs := render(t, ".")
	apply(t, adminKube(t), objs, "deploy")
	checkPodSecurity(t, objs, rigelNS)
}

// checkPodSecurity creates in dry-run, in ns (installed from objs), a Pod from the template of
// the Deployment rigel in objs, and a weakened copy: the first must pass the namespace's
// Pod Security admission, the second must not.
func checkPodSecurity(t *testing.T, objs []*unstructured.Unstructured, ns string) {
	t.Helper()
	admin := adminKube(t)
	var d appsv1.Deployment
	convert(t, find(t, objs, "Deployment", ns, "rigel"), &d)

	escalate := true
	weakened := d.Spec.Template.DeepCopy()
	weakened.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = &escalate
	weakened.Spec.Containers[0].SecurityContext.Capabilities = nil

	tests := []struct {
		name     string
		template *corev1.PodTemplateSpec
		allowed  bool
	}{
		{"the Deployment's pod", &d.Spec.Template, true},
		{"a weakened pod", weakened, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{GenerateName: "rigel-pss-", Namespace: ns, Labels: tt.template.Labels},
				Spec:       tt.template.Spec,
			}
			_, err := admin.Typed.CoreV1().Pods(ns).Create(ctxT(t), pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			switch {
			case tt.allowed && err != nil:
				t.Errorf("the restricted Pod Security Standard refuses the pod: %v", err)
			case !tt.allowed && !apierrors.IsForbidden(err):
				t.Errorf("got %v, want Forbidden by PodSecurity", err)
			}
		})
	}
}
