package sync

import (
	"path"
	"strings"
)

// Folder names that say how manifests are kept rather than what they deploy.
var (
	// technicalNames never name a deployment.
	technicalNames = map[string]bool{
		"k8s": true, "kube": true, "kubernetes": true, "manifests": true, "manifest": true,
		"kustomize": true, "yaml": true,
	}
	// layoutNames are skipped in favour of a folder above, but name a deployment when
	// nothing better is found (a root folder "deploy" deploys "deploy").
	layoutNames = map[string]bool{
		"deploy": true, "deployment": true, "deployments": true, "base": true, "bases": true,
		"overlay": true, "overlays": true,
	}
)

// DeploymentName suggests a deployment name for a folder: its last element, or the nearest
// folder above it when the element is a generic name such as k8s or manifests
// ("apps/web/k8s" → "web", "clusters/prod/web" → "web"). The result is a DNS-1123 label, or
// "" when the folder names nothing (like "k8s" at the root): the caller then uses the
// repository name.
func DeploymentName(folder string) string {
	clean := path.Clean(strings.ReplaceAll(folder, `\`, "/"))
	var elems []string
	for _, e := range strings.Split(clean, "/") {
		if s := dnsLabel(e); s != "" {
			elems = append(elems, s)
		}
	}
	for i := len(elems) - 1; i >= 0; i-- {
		if !technicalNames[elems[i]] && !layoutNames[elems[i]] {
			return elems[i]
		}
	}
	for i := len(elems) - 1; i >= 0; i-- {
		if !technicalNames[elems[i]] {
			return elems[i]
		}
	}
	return ""
}

// dnsLabel turns s into a DNS-1123 label: lowercase letters, digits and '-', starting and
// ending with a letter or digit, at most 63 characters; "" when nothing is left.
func dnsLabel(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	out := b.String()
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}
