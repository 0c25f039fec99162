package main

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

const apiImage = "ghcr.io/acme/api:1.4.2"

// playLinkAndFix plays issue #3: the api Deployment was created by hand long ago and keeps
// being OOMKilled. Rigel does not know it until it is linked; then /rigel fix reads its pods and
// opens a pull request with a higher memory limit, and an explicit `set` opens another.
func playLinkAndFix(ctx context.Context, kc *kube.Client, gh *testenv.GitHub, git *testenv.GitServer, hook string) error {
	step("Someone created the api Deployment by hand long ago; its pod keeps being OOMKilled")
	pod, err := createHandMadeAPI(ctx, kc)
	if err != nil {
		return err
	}
	if _, err := testenv.WritePodStatus(ctx, kc.Typed, pod, testenv.ContainerOOMKilled("api", apiImage, 4)); err != nil {
		return fmt.Errorf("failed to write the api pod's status: %w", err)
	}
	if err := testenv.KubeletEvent(ctx, kc.Typed, pod, "api", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container api in pod "+pod.Name, 4); err != nil {
		return fmt.Errorf("failed to record the api pod's event: %w", err)
	}
	fmt.Printf("\n  ✔ Deployment shop/api (%s, memory limit 64Mi): pod %s OOMKilled 4 times, now in CrashLoopBackOff\n", apiImage, pod.Name)

	step("Issue #3 \"api keeps restarting\" in " + repoName)
	gh.AddIssue(repoName, 3, "api keeps restarting")
	issue := &conversation{gh: gh, git: git, hook: hook, repo: repoName, number: 3}
	for _, cmd := range []string{
		"/rigel fix deploy/api -n shop",
		"/rigel add-deployment apps/api/k8s",
		"/rigel link deploy/api -n shop api",
		"/rigel fix deploy/api -n shop",
	} {
		if err := issue.say(cmd); err != nil {
			return err
		}
	}
	if err := showPulls(gh); err != nil {
		return err
	}
	for _, cmd := range []string{
		"/rigel fix deploy/api -n shop",
		"/rigel fix deploy/api -n shop set replicas=2 env.LOG_LEVEL=debug",
	} {
		if err := issue.say(cmd); err != nil {
			return err
		}
	}
	step("The cluster was not touched: the fixes wait in pull requests for review, merge, /rigel sync and /rigel apply")
	d, err := kc.Typed.AppsV1().Deployments("shop").Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("Deployment shop/api: %d replica(s), memory limit %s\n", *d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory())
	return nil
}

// createHandMadeAPI creates the api Deployment as apps/api/k8s describes it, without Rigel, and
// one pod of it (the test bed runs no controllers: the pod is written as they would).
func createHandMadeAPI(ctx context.Context, kc *kube.Client) (*corev1.Pod, error) {
	one := int32(1)
	labels := map[string]string{"app": "api"}
	container := corev1.Container{Name: "api", Image: apiImage, Resources: corev1.ResourceRequirements{
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop", Labels: map[string]string{"team": "api"}},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{container}}}},
	}
	if _, err := kc.Typed.AppsV1().Deployments("shop").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("failed to create the api Deployment: %w", err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "api-5d9c7b6f4-x2k8p", Namespace: "shop", Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{container}}}
	pod, err := kc.Typed.CoreV1().Pods("shop").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to create the api pod: %w", err)
	}
	return pod, nil
}

// showPulls prints the pull requests Rigel opened, as GitHub shows them.
func showPulls(gh *testenv.GitHub) error {
	for _, p := range gh.Pulls(repoName) {
		if !strings.HasSuffix(p.User, "[bot]") {
			continue
		}
		fmt.Printf("\n\033[33m📬 Pull request #%d by %s: %s\033[0m\n   %s ← %s\n\n%s\n", p.Number, p.User, p.Title, p.Base, p.Head, indent(readable(p.Body)))
	}
	return nil
}
