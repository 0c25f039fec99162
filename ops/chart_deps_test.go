package ops

import (
	"context"
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

// TestChartRendersWithAllowlist: every render of a deployment gets the service's allowlist of
// chart repositories (and none when it has none), so a Chart.lock dependency is fetched only
// from there.
func TestChartRendersWithAllowlist(t *testing.T) {
	for _, repos := range []*sync.ChartRepos{nil, {Allow: []string{"https://charts.example.com/stable"}, CacheDir: t.TempDir()}} {
		s, _, _ := registryService(t, testRegistry, chartFiles)
		s.ChartRepos = repos
		var r renders
		r.install(t)
		if _, err := s.Register(context.Background(), Origin{Repo: "acme/web"}, webEntry, "charts/web", "web-prod", RenderSettings{}); err != nil {
			t.Fatal(err)
		}
		if len(r.got) != 1 || r.got[0].Repos != repos {
			t.Fatalf("rendered with %+v, want the allowlist %+v", r.got, repos)
		}
	}
}
