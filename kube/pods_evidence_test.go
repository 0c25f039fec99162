package kube

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestWorkloadStateEvidence: what the fix rules need besides pods and events is read through
// the apiserver only when the pods show the need — the previous run's log tail (masked) of a
// crash-looping container, the nodes' allocatable, the namespace's key names — and a reader
// without the rights gets sentences saying so instead of an error.
func TestWorkloadStateEvidence(t *testing.T) {
	ctx := testCtx(t)
	ns := "state-evidence"
	newNamespace(t, ctx, ns)
	cs := testClient.Typed
	kubelet, err := testenv.StartKubelet(ctx, cs, "node-evidence")
	if err != nil {
		t.Fatal(err)
	}
	big, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-evidence-big"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	big.Status.Allocatable = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("8Gi")}
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, big, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Selector: selector, Template: tmplWith("app:1", nil)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: ns},
		Data: map[string]string{"b": "2", "a": "1"}, BinaryData: map[string][]byte{"bin": {1}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
		Data: map[string][]byte{"password": []byte("pa55word-xyz")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crash := corev1.ContainerStatus{Name: "w", RestartCount: 3,
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}
	p, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "w-1", Namespace: ns, Labels: map[string]string{"app": "w"}},
		Spec: corev1.PodSpec{NodeName: kubelet.Node, Containers: []corev1.Container{{Name: "w", Image: "app:1",
			Env: []corev1.EnvVar{{Name: "P", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}}}}}}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.WritePodStatus(ctx, cs, p, crash); err != nil {
		t.Fatal(err)
	}
	kubelet.SetLog(ns, "w-1", "w", true, "login with pa55word-xyz\nexit 1\n")
	createPod(t, ctx, ns, "w-2", map[string]string{"app": "w"}, corev1.ContainerStatus{Name: "w",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: `secret "dbx" not found`}}})
	pending := createPod(t, ctx, ns, "w-3", map[string]string{"app": "w"})
	pending.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/2 nodes are available: 2 Insufficient memory."}}}
	if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, pending, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	ref := WorkloadRef{Kind: "Deployment", Namespace: ns, Name: "w"}

	st, err := testClient.WorkloadState(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Logs) != 1 || st.Logs[0].Pod != "w-1" || st.Logs[0].Tail != "login with ***\nexit 1\n" {
		t.Errorf("logs %+v, want w-1's previous run, the Secret's value masked", st.Logs)
	}
	found := false
	for _, n := range st.Nodes {
		found = found || n.Name == "node-evidence-big"
		if n.Name == kubelet.Node {
			t.Errorf("node %s reports no allocatable, yet is listed", n.Name)
		}
	}
	if !found {
		t.Errorf("nodes %+v lack node-evidence-big", st.Nodes)
	}
	if st.Config == nil || strings.Join(st.Config.ConfigMaps["cfg"], ",") != "a,b,bin" || strings.Join(st.Config.Secrets["db"], ",") != "password" || len(st.Unread) != 0 {
		t.Errorf("config %+v, unread %q", st.Config, st.Unread)
	}

	// A reader of workloads, pods, events, ConfigMaps and Secrets, without nodes or pods/log.
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "evidence-reader"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "events", "configmaps", "secrets"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets"}, Verbs: []string{"get", "list"}},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "evidence-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "evidence-reader"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "evidence-reader"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(testClient.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "evidence-reader"}
	limited, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var lst *WorkloadState
	for i := 0; i < 50; i++ { // the authorizer learns of the binding shortly
		if lst, err = limited.WorkloadState(ctx, ref); err == nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(lst.Logs) != 1 || !strings.Contains(lst.Logs[0].Unread, "may not read pods' logs") || lst.Logs[0].Tail != "" {
		t.Errorf("logs %+v, want why they were not read", lst.Logs)
	}
	if lst.Nodes != nil || len(lst.Unread) != 1 || !strings.Contains(lst.Unread[0], "may not list the cluster's nodes") {
		t.Errorf("nodes %+v, unread %q", lst.Nodes, lst.Unread)
	}
}
