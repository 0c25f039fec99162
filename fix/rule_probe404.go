package fix

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// readiness404: the readiness probe's HTTP path answers 404 (Unhealthy events "Readiness probe
// failed: HTTP probe failed with statuscode: 404"). The port answers, so the path is wrong or
// the app does not serve it yet: which one is the app's to say, so Rigel says it and edits
// nothing.
func (g *diagnosis) readiness404(c corev1.Container) {
	p := c.ReadinessProbe
	if p == nil || p.HTTPGet == nil {
		return
	}
	n, last := g.containerEvents(c.Name, func(e corev1.Event) bool {
		return e.Reason == "Unhealthy" && strings.HasPrefix(e.Message, "Readiness probe failed:") && strings.Contains(e.Message, "statuscode: 404")
	})
	if n == 0 {
		return
	}
	g.recognised = true
	path := p.HTTPGet.Path
	if path == "" {
		path = "/"
	}
	g.say("The readiness probe of container %s failed %s because path %s on port %s answers 404 Not Found (%s): the port answers, so the path is not one the app serves. Rigel cannot tell the right path, so it proposes no edit: set %s in the manifest to a path the app answers with 200, or make the app serve it.",
		untrusted.Code(c.Name), plural(int(n), "time"), untrusted.Code(path), untrusted.Code(p.HTTPGet.Port.String()), untrusted.Quote(last.Message), untrusted.Code("readinessProbe.httpGet.path"))
}
