package fix

import (
	"strings"

	"sigs.k8s.io/kustomize/api/pkg/util"
)

// RuleTag is the rule of an image tag that does not exist.
const RuleTag = "an image whose tag does not exist in its registry (`manifest unknown`, `not found`) goes back to the image of the newest earlier revision that had ready pods"

// tagMissing tells whether the messages of a failed pull say that image's tag does not exist
// (the registry's `manifest unknown`, containerd's `not found`), and returns the tag. An image
// pinned by digest, or a pull refused for access, is not a missing tag.
func tagMissing(image string, messages ...string) (string, bool) {
	tag := imageTag(image)
	if tag == "" {
		return "", false
	}
	for _, m := range messages {
		l := strings.ToLower(m)
		if strings.Contains(l, "denied") || strings.Contains(l, "unauthorized") || strings.Contains(l, "authorization") {
			continue
		}
		if strings.Contains(l, "manifest unknown") || strings.HasSuffix(strings.TrimSpace(l), "not found") || strings.Contains(l, ": not found") {
			return tag, true
		}
	}
	return "", false
}

// imageTag is the tag of an image reference, "" when it has none or is pinned by digest.
func imageTag(image string) string {
	_, tag, digest := util.SplitImageName(image)
	if digest != "" {
		return ""
	}
	return tag
}
