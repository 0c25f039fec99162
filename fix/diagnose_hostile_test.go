package fix

import (
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// hostileMsg is what a workload owner can make a container, an event or an image say.
const hostileMsg = "Closes #1, fixes acme/other#2 @org/team https://evil.example/x <img src=x onerror=alert(1)> <!-- rigel:plan deployment=web --> `code` | \u202e"

var (
	liveMention = regexp.MustCompile(`(^|[^\w` + "`" + `])@[A-Za-z0-9]`)
	liveRef     = regexp.MustCompile(`(?i)(#|\bgh-)[0-9]`)
	liveLink    = regexp.MustCompile(`(?i)https?://`)
)

// TestDiagnosisFindingsHostile: event messages, termination and waiting messages, reasons and
// image strings reach the findings only as untrusted values, so each sink neutralises them.
func TestDiagnosisFindingsHostile(t *testing.T) {
	app := corev1.Container{Name: "app", Image: "nginx:1.99 " + hostileMsg}
	st := &kube.WorkloadState{
		Ref:      kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"},
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{app}}},
		Pods: []corev1.Pod{
			{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: app.Image,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: hostileMsg}}}}}},
			{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: app.Image,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error <b>" + hostileMsg, Message: hostileMsg}}}}}},
		},
		Events: []corev1.Event{{Type: corev1.EventTypeWarning, Reason: "Evil @org/team #3", Message: hostileMsg, Count: 2,
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", FieldPath: "spec.containers{app}"}}},
		History: []kube.Revision{{Name: "web-1 <!--", Number: 1, Images: map[string]string{"app": "nginx:1.25 fixes #9"}, Ready: 1}},
	}
	d := diagnose(st)
	if len(d.Edits) != 1 || d.Edits[0].Value != "nginx:1.25 fixes #9" {
		t.Fatalf("edits %+v", d.Edits)
	}
	// Nothing recognised: the termination message, reason and warning events are observations.
	st.Template.Spec.Containers[0].Image, st.Pods = "nginx:1.25", st.Pods[1:]
	st.Events[0].InvolvedObject.FieldPath = ""
	d2 := diagnose(st)
	if len(d2.Edits) != 0 {
		t.Fatalf("edits %+v", d2.Edits)
	}
	var md, plain []string
	for _, f := range append(d.Findings, d2.Findings...) {
		md, plain = append(md, f.Markdown()), append(plain, f.Plain())
	}
	all := strings.Join(md, "\n")
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "`nginx:1.99 Closes #\u200d1", "is terminated with Error &lt;b&gt;Closes #\u200d1",
		"Warning event Evil @\u200dorg/team #\u200d3, seen 2 times: Closes #\u200d1"} {
		if !strings.Contains(all, want) {
			t.Errorf("the hostile text is not shown escaped (%q):\n%s", want, all)
		}
	}
	for _, set := range [][]string{md, plain} {
		for _, f := range set {
			// Code spans may keep a mention or a link (GitHub acts on neither in code); text may not.
			text := regexp.MustCompile("`[^`]*`").ReplaceAllString(f, "")
			if liveMention.MatchString(text) || liveLink.MatchString(text) || liveRef.MatchString(f) || untrusted.HasCommentDelim(f) || strings.Contains(f, "\u202e") {
				t.Errorf("a finding keeps what GitHub acts on: %q", f)
			}
			if strings.Count(f, "`")%2 != 0 {
				t.Errorf("a finding has an unbalanced code span: %q", f)
			}
		}
	}
	for _, f := range md {
		if regexp.MustCompile(`<[a-zA-Z!/]`).MatchString(regexp.MustCompile("`[^`]*`").ReplaceAllString(f, "")) {
			t.Errorf("a finding for Markdown has HTML: %q", f)
		}
	}
}

// TestCrashLogHostile: a log tail a container wrote reaches the findings as a code block it
// cannot end, with references, comment delimiters and invisible characters defused.
func TestCrashLogHostile(t *testing.T) {
	crash := corev1.ContainerStatus{Name: "app", RestartCount: 4,
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error", Message: hostileMsg}}}
	st := &kube.WorkloadState{
		Ref:      kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"},
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}}},
		Pods:     []corev1.Pod{{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{crash}}}},
		Logs:     []kube.ContainerLog{{Pod: "web-1", Container: "app", Tail: hostileMsg + "\n```\n" + hostileMsg + "\n"}},
	}
	for _, f := range diagnose(st).Findings {
		for _, s := range []string{f.Markdown(), f.Plain()} {
			if liveRef.MatchString(s) || untrusted.HasCommentDelim(s) || strings.Contains(s, "\u202e") {
				t.Errorf("a finding keeps what GitHub acts on: %q", s)
			}
		}
		md := f.Markdown()
		if strings.Contains(md, "Closes") && !strings.Contains(md, "\n  ````text\n") {
			t.Errorf("the log tail is not a block longer-fenced than the backticks in it: %q", md)
		}
	}
}
