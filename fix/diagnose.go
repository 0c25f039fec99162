package fix

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// Diagnosis is what Rigel saw on a workload and the edits it proposes.
type Diagnosis struct {
	// Findings are sentences of Rigel's with the cluster's names and messages kept apart
	// (untrusted.Text), written to a reply, a pull request or a commit through its sink:
	// "Container `app` was OOMKilled in 2 of 3 pods (5 restarts) with a memory limit of 128Mi."
	Findings []untrusted.Text
	Edits    []Edit // empty when nothing is recognised
	Rule     string // the stated rule behind the edits, "" when none
}

// Rules Rigel states for the edits it proposes.
const (
	RuleOOM   = "a container killed for running out of memory (OOMKilled) gets its memory limit doubled, rounded up to a whole Mi"
	RulePull  = "an image that cannot be pulled goes back to the image of the newest earlier revision that had ready pods"
	RuleProbe = "a probe that fails on a port the container does not declare goes to the port it declares"
)

// Diagnose reads the workload, its pods, their events and its rollout history, says what it
// saw and proposes edits for what it recognises: OOMKilled containers (RuleOOM), images that
// cannot be pulled (RulePull) or whose tag does not exist (RuleTag), failing probes on
// undeclared ports (RuleProbe) and requests no node has room for (RuleRoom). It says, and
// proposes nothing for, crash-looping containers (exit code and the tail of the previous
// run's logs, rule_crashloop.go), missing ConfigMaps, Secrets or keys (rule_config.go) and
// readiness paths answering 404 (rule_probe404.go). A missing workload is a *fault.NotFound.
func Diagnose(ctx context.Context, kc StateReader, w kube.WorkloadRef) (*Diagnosis, error) {
	st, err := kc.WorkloadState(ctx, w)
	if err != nil {
		return nil, err
	}
	return diagnose(st), nil
}

// StateReader reads a workload with its pods, events and revisions (kube.Client).
type StateReader interface {
	WorkloadState(ctx context.Context, ref kube.WorkloadRef) (*kube.WorkloadState, error)
}

// diagnosis collects findings and edits.
type diagnosis struct {
	st         *kube.WorkloadState
	d          Diagnosis
	rules      []string
	recognised bool // something was recognised, with or without a fix
}

func (g *diagnosis) say(format string, args ...any) {
	g.d.Findings = append(g.d.Findings, untrusted.Textf(format, args...))
}

func (g *diagnosis) propose(e Edit, rule string) {
	for _, have := range g.d.Edits {
		if have.Field == e.Field && have.Key == e.Key && have.Container == e.Container {
			return
		}
	}
	g.d.Edits = append(g.d.Edits, e)
	for _, r := range g.rules {
		if r == rule {
			return
		}
	}
	g.rules = append(g.rules, rule)
}

func diagnose(st *kube.WorkloadState) *Diagnosis {
	g := &diagnosis{st: st}
	g.summary()
	for _, c := range st.Template.Spec.Containers {
		g.oomKilled(c)
		g.crashLoop(c)
		g.imagePull(c)
		for _, kind := range probeKinds {
			g.probePort(c, kind)
		}
		g.readiness404(c)
	}
	g.missingConfig()
	g.lacksRoom()
	for _, u := range st.Unread {
		g.say("%s", untrusted.Own(u))
	}
	if len(g.d.Edits) == 0 {
		if !g.recognised {
			g.observations()
			g.say("Rigel recognises containers killed for running out of memory, crash-looping containers, images or tags that cannot be pulled, missing ConfigMaps, Secrets or keys, requests no node has room for, probes on ports the container does not declare and readiness paths answering 404; it saw none of these, so it has no fix to propose.")
		} else {
			g.say("Rigel has no fix to propose for this.")
		}
	}
	g.d.Rule = strings.Join(g.rules, "; ")
	return &g.d
}

func (g *diagnosis) name() untrusted.Text {
	return untrusted.Textf("%s %s in namespace %s", g.st.Ref.Kind, untrusted.Code(g.st.Ref.Name), untrusted.Code(g.st.Ref.Namespace))
}

func (g *diagnosis) summary() {
	ready := 0
	for _, p := range g.st.Pods {
		if podReady(p) {
			ready++
		}
	}
	want := ""
	if g.st.Replicas != nil {
		want = fmt.Sprintf(" (it asks for %d)", *g.st.Replicas)
	}
	g.say("%s has %s, %d ready%s.", g.name(), plural(len(g.st.Pods), "pod"), ready, want)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func statusOf(p corev1.Pod, container string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == container {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// containerEvents returns the events of the workload's pods about one container.
func (g *diagnosis) containerEvents(container string, keep func(corev1.Event) bool) (n int32, last *corev1.Event) {
	for i, e := range g.st.Events {
		if e.InvolvedObject.Kind != "Pod" || e.InvolvedObject.FieldPath != "spec.containers{"+container+"}" || !keep(e) {
			continue
		}
		n += eventCount(e)
		last = &g.st.Events[i]
	}
	return n, last
}

func eventCount(e corev1.Event) int32 {
	if e.Series != nil && e.Series.Count > 0 {
		return e.Series.Count
	}
	return max(e.Count, 1)
}

// oomKilled: the container's last (or current) termination is OOMKilled.
func (g *diagnosis) oomKilled(c corev1.Container) {
	pods, restarts := 0, int32(0)
	for _, p := range g.st.Pods {
		cs := statusOf(p, c.Name)
		if cs == nil {
			continue
		}
		for _, t := range []*corev1.ContainerStateTerminated{cs.State.Terminated, cs.LastTerminationState.Terminated} {
			if t != nil && t.Reason == "OOMKilled" {
				pods++
				restarts += cs.RestartCount
				break
			}
		}
	}
	if pods == 0 {
		return
	}
	g.recognised = true
	seen := untrusted.Textf("Container %s was OOMKilled (killed for running out of memory) in %d of %s (%s in all)", untrusted.Code(c.Name), pods, plural(len(g.st.Pods), "pod"), plural(int(restarts), "restart"))
	limit, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok || limit.IsZero() {
		g.say("%s, and it has no memory limit: the node ran out of memory, which a limit in the manifest does not fix.", seen)
		return
	}
	doubled := doubleMi(limit)
	g.say("%s with a memory limit of %s: Rigel proposes %s, double the limit rounded up to a whole Mi.", seen, limit.String(), doubled)
	g.propose(Edit{Field: FieldMemory, Value: doubled, Container: c.Name}, RuleOOM)
}

// doubleMi doubles a quantity of bytes and rounds it up to a whole Mi (written in Gi when it
// is a whole number of Gi).
func doubleMi(q resource.Quantity) string {
	const mi = 1 << 20
	n := (q.Value()*2 + mi - 1) / mi
	return resource.NewQuantity(n*mi, resource.BinarySI).String()
}

var pullReasons = map[string]bool{"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true, "InvalidImageName": true}

// imagePull: the container waits for an image it cannot pull.
func (g *diagnosis) imagePull(c corev1.Container) {
	pods := 0
	var reason, message string
	var messages []string // what the kubelet said, for tagMissing
	for _, p := range g.st.Pods {
		if cs := statusOf(p, c.Name); cs != nil && cs.State.Waiting != nil && pullReasons[cs.State.Waiting.Reason] {
			pods++
			reason, message = cs.State.Waiting.Reason, cs.State.Waiting.Message
			messages = append(messages, message)
		}
	}
	n, last := g.containerEvents(c.Name, func(e corev1.Event) bool {
		m := strings.ToLower(e.Message)
		pulling := (e.Reason == "Failed" || e.Reason == "BackOff" || pullReasons[e.Reason]) && strings.Contains(m, "pull") && strings.Contains(m, "image")
		if pulling {
			messages = append(messages, e.Message)
		}
		return pulling
	})
	if pods == 0 && n == 0 {
		return
	}
	g.recognised = true
	seen := untrusted.Textf("Container %s cannot pull image %s", untrusted.Code(c.Name), untrusted.Code(c.Image))
	switch {
	case pods > 0:
		seen = untrusted.Textf("%s: %d of %s wait with %s", seen, pods, plural(len(g.st.Pods), "pod"), untrusted.Quote(reason))
		if message != "" {
			seen = untrusted.Textf("%s (%s)", seen, untrusted.Quote(message))
		}
	default:
		seen = untrusted.Textf("%s: %s about pulling it (%s)", seen, plural(int(n), "event"), untrusted.Quote(last.Message))
	}
	rule := RulePull
	if tag, ok := tagMissing(c.Image, messages...); ok {
		rule = RuleTag
		seen = untrusted.Textf("%s. Its tag %s does not exist in the image's registry", seen, untrusted.Code(tag))
	}
	r, stale := g.lastRan(c.Name, c.Image)
	if r == nil {
		g.say("%s. No earlier revision of %s ran it with another image, so Rigel has no image to go back to.", seen, g.st.Ref.Kind)
		return
	}
	what := map[bool]string{true: "ReplicaSet", false: "ControllerRevision"}[g.st.Ref.Kind == "Deployment"]
	img := r.Images[c.Name]
	if stale {
		g.say("%s. No earlier revision has ready pods now; the newest earlier one, %s %s (revision %d), ran %s: Rigel proposes going back to it.", seen, what, untrusted.Code(r.Name), r.Number, untrusted.Code(img))
	} else {
		g.say("%s. The last image that ran is %s (%s %s, revision %d, %s ready): Rigel proposes going back to it.", seen, untrusted.Code(img), what, untrusted.Code(r.Name), r.Number, plural(int(r.Ready), "pod"))
	}
	g.propose(Edit{Field: FieldImage, Value: img, Container: c.Name}, rule)
}

// lastRan returns the newest earlier revision that has ready pods and another image for the
// container; else the newest earlier revision with another image (stale).
func (g *diagnosis) lastRan(container, image string) (*kube.Revision, bool) {
	var fallback *kube.Revision
	for i, r := range g.st.History {
		img := r.Images[container]
		if r.Current || img == "" || img == image {
			continue
		}
		if r.Ready > 0 {
			return &g.st.History[i], false
		}
		if fallback == nil {
			fallback = &g.st.History[i]
		}
	}
	return fallback, fallback != nil
}

// probePort: a probe fails on a port the container does not declare.
func (g *diagnosis) probePort(c corev1.Container, kind string) {
	p := probeOf(&c, kind)
	if p == nil {
		return
	}
	var port intstr.IntOrString
	switch {
	case p.HTTPGet != nil:
		port = p.HTTPGet.Port
	case p.TCPSocket != nil:
		port = p.TCPSocket.Port
	case p.GRPC != nil:
		port = intstr.FromInt32(p.GRPC.Port)
	default:
		return
	}
	if declares(c, port) {
		return
	}
	title := strings.ToUpper(kind[:1]) + kind[1:]
	n, last := g.containerEvents(c.Name, func(e corev1.Event) bool {
		return e.Reason == "Unhealthy" && strings.HasPrefix(e.Message, title+" probe")
	})
	declared := declaredPorts(c)
	if n == 0 {
		// Declaring ports is informational: a probe on an undeclared port may work.
		g.say("The %s probe of container %s targets port %s, which the container does not declare (%s), but Rigel saw no failures of it.", kind, untrusted.Code(c.Name), untrusted.Quote(port.String()), declared)
		return
	}
	g.recognised = true
	seen := untrusted.Textf("The %s probe of container %s failed %s on port %s (%s), which the container does not declare (%s)",
		kind, untrusted.Code(c.Name), plural(int(n), "time"), untrusted.Quote(port.String()), untrusted.Quote(last.Message), declared)
	to := pickPort(c, port, p.GRPC != nil)
	if to == "" {
		g.say("%s. Rigel cannot tell which declared port the probe should use, so it has no fix to propose.", seen)
		return
	}
	g.say("%s: Rigel proposes port %s.", seen, untrusted.Quote(to))
	g.propose(Edit{Field: FieldProbe, Key: kind, Value: to, Container: c.Name}, RuleProbe)
}

func declares(c corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if port.Type == intstr.Int && p.ContainerPort == port.IntVal || port.Type == intstr.String && p.Name == port.StrVal {
			return true
		}
	}
	return false
}

func declaredPorts(c corev1.Container) untrusted.Text {
	if len(c.Ports) == 0 {
		return untrusted.Own("it declares none")
	}
	out := untrusted.Own("it declares ")
	for i, p := range c.Ports {
		sep := ", "
		if i == 0 {
			sep = ""
		}
		out = untrusted.Textf("%s%s%d", out, sep, p.ContainerPort)
		if p.Name != "" {
			out = untrusted.Textf("%s (%s)", out, untrusted.Quote(p.Name))
		}
	}
	return out
}

// pickPort chooses the declared port a probe should use: the only one; else the one whose
// name matches the probe's port name but for case; else the only one named for health checks
// (health, healthz, probe), then the only one named for the protocol (http, grpc).
func pickPort(c corev1.Container, port intstr.IntOrString, grpc bool) string {
	as := func(p corev1.ContainerPort) string {
		if port.Type == intstr.String && p.Name != "" && !grpc {
			return p.Name
		}
		return strconv.Itoa(int(p.ContainerPort))
	}
	if len(c.Ports) == 1 {
		return as(c.Ports[0])
	}
	only := func(match func(name string) bool) string {
		var found []corev1.ContainerPort
		for _, p := range c.Ports {
			if match(strings.ToLower(p.Name)) {
				found = append(found, p)
			}
		}
		if len(found) == 1 {
			return as(found[0])
		}
		return ""
	}
	proto := "http"
	if grpc {
		proto = "grpc"
	}
	for _, m := range []func(string) bool{
		func(n string) bool { return port.Type == intstr.String && n == strings.ToLower(port.StrVal) },
		func(n string) bool { return strings.Contains(n, "health") || strings.Contains(n, "probe") },
		func(n string) bool { return strings.HasPrefix(n, proto) },
	} {
		if s := only(m); s != "" {
			return s
		}
	}
	return ""
}

// observations say what is wrong when nothing is recognised: containers that are not running
// and the workload's warning events.
func (g *diagnosis) observations() {
	type key struct{ container, state, reason string }
	type seen struct {
		pods     int
		restarts int32
		message  *untrusted.Text
	}
	states := map[key]*seen{}
	var order []key
	for _, p := range g.st.Pods {
		for _, cs := range p.Status.ContainerStatuses {
			var k key
			var msg string
			switch {
			case cs.State.Waiting != nil:
				k, msg = key{cs.Name, "waiting with", cs.State.Waiting.Reason}, cs.State.Waiting.Message
			case cs.State.Terminated != nil:
				k, msg = key{cs.Name, "terminated with", cs.State.Terminated.Reason}, cs.State.Terminated.Message
			case !cs.Ready:
				k = key{cs.Name, "running but not ready", ""}
			default:
				continue
			}
			var m *untrusted.Text
			switch t := cs.LastTerminationState.Terminated; {
			case msg != "":
				m = ptr(untrusted.Textf("%s", untrusted.Quote(msg)))
			case t != nil:
				m = ptr(untrusted.Textf("last exit: %s, code %d", untrusted.Quote(t.Reason), t.ExitCode))
			}
			if states[k] == nil {
				states[k] = &seen{}
				order = append(order, k)
			}
			s := states[k]
			s.pods++
			s.restarts += cs.RestartCount
			if m != nil {
				s.message = m
			}
		}
	}
	for _, k := range order {
		s := states[k]
		state := untrusted.Own(k.state)
		if k.reason != "" {
			state = untrusted.Textf("%s %s", k.state, untrusted.Quote(k.reason))
		}
		line := untrusted.Textf("Container %s is %s in %d of %s (%s in all)", untrusted.Code(k.container), state, s.pods, plural(len(g.st.Pods), "pod"), plural(int(s.restarts), "restart"))
		if s.message != nil {
			line = untrusted.Textf("%s: %s", line, *s.message)
		}
		g.say("%s.", line)
	}
	type warn struct {
		reason, message string
		n               int32
	}
	var warns []*warn
	byReason := map[string]*warn{}
	for _, e := range g.st.Events {
		if e.Type != corev1.EventTypeWarning {
			continue
		}
		w := byReason[e.Reason]
		if w == nil {
			w = &warn{reason: e.Reason}
			byReason[e.Reason] = w
			warns = append(warns, w)
		}
		w.n += eventCount(e)
		w.message = e.Message
	}
	sort.SliceStable(warns, func(i, j int) bool { return warns[i].n > warns[j].n })
	if len(warns) > 5 {
		warns = warns[:5]
	}
	for _, w := range warns {
		g.say("Warning event %s, seen %s: %s", untrusted.Quote(w.reason), plural(int(w.n), "time"), untrusted.Quote(w.message))
	}
	if len(order) == 0 && len(warns) == 0 {
		g.say("Its containers are running and ready, and it has no warning events.")
	}
}

func ptr[T any](v T) *T { return &v }
