package fix

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// crashLoop: the container's last run failed and it restarts (CrashLoopBackOff, or a non-zero
// exit that was not OOMKilled). Rigel says the exit code of its last run in the pod where it
// restarted most and the tail of that run's logs (kube.WorkloadState.Logs: bounded, cleaned,
// Secret values masked); it proposes nothing of its own, as a program's crash is the
// program's: another rule may still apply.
func (g *diagnosis) crashLoop(c corev1.Container) {
	pods, restarts := 0, int32(0)
	var worst *corev1.ContainerStatus
	var worstPod string
	for _, p := range g.st.Pods {
		cs := statusOf(p, c.Name)
		if cs == nil || !kube.CrashLooped(*cs) {
			continue
		}
		pods++
		restarts += cs.RestartCount
		if worst == nil || cs.RestartCount > worst.RestartCount {
			worst, worstPod = cs, p.Name
		}
	}
	if pods == 0 {
		return
	}
	g.recognised = true
	seen := untrusted.Textf("Container %s is crash-looping (its runs fail and it restarts) in %d of %s (%s in all)", untrusted.Code(c.Name), pods, plural(len(g.st.Pods), "pod"), plural(int(restarts), "restart"))
	if t := worst.LastTerminationState.Terminated; t != nil {
		seen = untrusted.Textf("%s; its last run in pod %s exited with code %d%s", seen, untrusted.Code(worstPod), t.ExitCode, exitMeaning(t))
	}
	for _, l := range g.st.Logs {
		if l.Container != c.Name {
			continue
		}
		switch {
		case l.Unread != "":
			g.say("%s. Its logs: %s.", seen, untrusted.Quote(l.Unread))
		case l.Tail == "":
			g.say("%s. That run wrote no logs.", seen)
		default:
			g.say("%s. The last lines of that run's logs (pod %s, at most %d lines; Secret values masked):%s", seen, untrusted.Code(l.Pod), kube.LogTailLines, untrusted.Block(l.Tail))
		}
		return
	}
	g.say("%s.", seen)
}

// exitMeaning says what an exit code tells: its reason, and the signal of a code above 128.
func exitMeaning(t *corev1.ContainerStateTerminated) untrusted.Text {
	out := untrusted.Own("")
	if t.Reason != "" {
		out = untrusted.Textf(" (%s)", untrusted.Quote(t.Reason))
	}
	switch {
	case t.Signal != 0:
		out = untrusted.Textf("%s, killed by signal %d", out, t.Signal)
	case t.ExitCode > 128 && t.ExitCode < 160:
		out = untrusted.Textf("%s, which is how a process killed by signal %d ends", out, t.ExitCode-128)
	}
	if t.Message != "" {
		out = untrusted.Textf("%s: %s", out, untrusted.Quote(t.Message))
	}
	return out
}
