package deploy

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// imageRepository is where Rigel's images are published.
const imageRepository = "ghcr.io/rigel-gitops/rigel"

// releaseImage is the image both installs pin by default: the chart's appVersion.
func releaseImage(t *testing.T) string {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.AppVersion == "" {
		t.Fatal("Chart.yaml sets no appVersion")
	}
	return imageRepository + ":" + ch.Metadata.AppVersion
}

// TestChartImageTag checks the chart's image: the release it is for (appVersion) when values
// leave image.tag empty, the tag the values pin, or the digest; and that the kustomizations
// pin the same release (TestChartMatchesKustomize compares the rest).
func TestChartImageTag(t *testing.T) {
	release := releaseImage(t)
	if !strings.HasPrefix(strings.TrimPrefix(release, imageRepository+":"), "v") {
		t.Errorf("appVersion of %s: want a release tag vX.Y.Z, as git tags and internal/buildinfo name it", release)
	}
	tests := []struct {
		name string
		vals string
		want string
	}{
		{"default values", ``, release},
		{"empty tag", `image: {tag: ""}`, release},
		{"tag pinned", `image: {tag: v9.9.9}`, imageRepository + ":v9.9.9"},
		{"digest wins", `image: {tag: v9.9.9, digest: "sha256:` + strings.Repeat("ab", 32) + `"}`, imageRepository + "@sha256:" + strings.Repeat("ab", 32)},
		{"another repository", `image: {repository: registry.example.com/rigel}`, "registry.example.com/rigel:" + strings.TrimPrefix(release, imageRepository+":")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vals map[string]any
			if err := yaml.Unmarshal([]byte(tt.vals), &vals); err != nil {
				t.Fatal(err)
			}
			var d appsv1.Deployment
			convert(t, find(t, renderChart(t, rigelNS, vals), "Deployment", rigelNS, "rigel"), &d)
			if got := d.Spec.Template.Spec.Containers[0].Image; got != tt.want {
				t.Errorf("image %s, want %s", got, tt.want)
			}
		})
	}
	for _, dir := range []string{".", overlayDir} {
		var d appsv1.Deployment
		convert(t, find(t, render(t, dir), "Deployment", rigelNS, "rigel"), &d)
		if got := d.Spec.Template.Spec.Containers[0].Image; got != release {
			t.Errorf("kustomization %s pins %s, want the chart's appVersion: %s", dir, got, release)
		}
	}
}
