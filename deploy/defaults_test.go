package deploy

import (
	"context"
	"slices"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

// TestShippedDefaultPolicy loads the settings of the base and of the chart (its default
// values, and other role names) with Rigel's own loader: both ship a default policy that
// refuses cluster-scoped objects and keeps the escalation guard on, and tell Rigel the
// names of its ClusterRoles.
func TestShippedDefaultPolicy(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		roles []string
	}{
		{"the base", chartEnv(t, render(t, "."), rigelNS), []string{"rigel-deployer", "rigel-reader", "rigel-pruner", "rigel-hooks"}},
		{"the chart", chartEnv(t, renderChart(t, rigelNS, nil), rigelNS), []string{"rigel-deployer", "rigel-reader", "rigel-pruner", "rigel-hooks"}},
		{"the chart with its own names", chartEnv(t, renderChart(t, rigelNS, map[string]any{"rbac": map[string]any{"deployerName": "prod-deployer", "readerName": "prod-reader", "prunerName": "prod-pruner", "hooksName": "prod-hooks"}}), rigelNS),
			[]string{"rigel-deployer", "rigel-reader", "prod-deployer", "prod-reader", "prod-pruner", "prod-hooks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := config.LoadSettings(context.Background(), func(k string) string { return tt.env[k] }, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := config.Bounded(nil, s.DefaultPolicy, s.Protected())
			if p.ClusterScopedAllowed() || s.DefaultPolicy.ClusterScoped == nil {
				t.Errorf("the default policy allows cluster-scoped objects or leaves it unset: %+v", s.DefaultPolicy)
			}
			if p.EscalationAllowed() {
				t.Error("the escalation guard is open")
			}
			if got := p.RigelRoles(); !slices.Equal(got, tt.roles) {
				t.Errorf("Rigel's ClusterRoles = %v, want %v", got, tt.roles)
			}
			if !slices.Contains(p.Protected, rigelNS) {
				t.Errorf("Rigel's namespace %s is not protected: %v", rigelNS, p.Protected)
			}
		})
	}
}
