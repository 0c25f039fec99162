package fix

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// RuleRoom is the rule of room: what no node can give is lowered to what the largest one can.
const RuleRoom = "a container that requests more cpu or memory than any node can give (its pods wait, `Insufficient cpu` or `Insufficient memory`) goes down to the largest node's allocatable, rounded down to a whole Mi of memory or 100m of CPU"

// lacksRoom: the scheduler cannot place pods for want of cpu or memory (kube.LacksRoom). A
// container whose request (its limit when it sets no request) is more than the allocatable of
// every node goes down to the largest allocatable (RuleRoom); when each fits some node, the
// nodes are busy with other pods, which the manifest does not fix.
func (g *diagnosis) lacksRoom() {
	if !kube.LacksRoom(g.st) {
		return
	}
	g.recognised = true
	said := g.schedulerSaid()
	if len(g.st.Nodes) == 0 {
		g.say("Pods of %s cannot be scheduled (%s), and Rigel sees no node that reports its allocatable cpu and memory, so it cannot tell what would fit.", g.name(), untrusted.Quote(said))
		return
	}
	lowered := false
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if !strings.Contains(said, "Insufficient "+string(res)) {
			continue
		}
		node, largest := largestAllocatable(g.st.Nodes, res)
		if node == "" {
			continue
		}
		for _, c := range g.st.Template.Spec.Containers {
			asked, ok := c.Resources.Requests[res]
			if !ok {
				asked, ok = c.Resources.Limits[res] // the request defaults to the limit
			}
			if !ok || asked.Cmp(largest) <= 0 {
				continue
			}
			to := roundDown(largest, res)
			seen := untrusted.Textf("Container %s asks for %s of %s, more than any node can give: the largest allocatable is %s (node %s), and the scheduler says %s",
				untrusted.Code(c.Name), untrusted.Code(asked.String()), res, untrusted.Code(largest.String()), untrusted.Code(node), untrusted.Quote(said))
			if to.IsZero() {
				g.say("%s. Rounded down, that is nothing, so Rigel has no value to propose.", seen)
				continue
			}
			g.say("%s: Rigel proposes %s, the largest allocatable rounded down.", seen, untrusted.Code(to.String()))
			g.propose(Edit{Field: string(res), Value: to.String(), Container: c.Name}, RuleRoom)
			lowered = true
		}
	}
	if !lowered {
		g.say("Pods of %s cannot be scheduled (%s), but each container's request fits the allocatable of a node: the nodes are taken by other pods, which the manifest does not change.", g.name(), untrusted.Quote(said))
	}
}

// schedulerSaid is the newest message saying a pod lacks room: an event's, else a pod's
// PodScheduled condition's.
func (g *diagnosis) schedulerSaid() string {
	said := ""
	for _, p := range g.st.Pods {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && strings.Contains(c.Message, "Insufficient ") {
				said = c.Message
			}
		}
	}
	for _, e := range g.st.Events { // oldest first: the last one is the newest
		if e.Reason == "FailedScheduling" && strings.Contains(e.Message, "Insufficient ") {
			said = e.Message
		}
	}
	return said
}

// largestAllocatable is the node with the most allocatable res, first by name on a tie.
func largestAllocatable(nodes []kube.NodeRoom, res corev1.ResourceName) (string, resource.Quantity) {
	name, largest := "", resource.Quantity{}
	for _, n := range nodes {
		if q, ok := n.Allocatable[res]; ok && (name == "" || q.Cmp(largest) > 0) {
			name, largest = n.Name, q
		}
	}
	return name, largest
}

// roundDown rounds memory down to a whole Mi and CPU down to 100m.
func roundDown(q resource.Quantity, res corev1.ResourceName) resource.Quantity {
	if res == corev1.ResourceMemory {
		const mi = 1 << 20
		return *resource.NewQuantity(q.Value()/mi*mi, resource.BinarySI)
	}
	return *resource.NewMilliQuantity(q.MilliValue()/100*100, resource.DecimalSI)
}
