package config

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The escalation guard's settings, from the environment and from the config file; a bad
// value is refused naming the variable.
func TestEscalationSettings(t *testing.T) {
	env := map[string]string{
		"RIGEL_DEFAULT_ALLOW_ESCALATION": "true",
		"RIGEL_OWN_CLUSTER_ROLES":        "rigel-deployer-prod, rigel-reader-prod",
	}
	s, err := LoadSettings(context.Background(), func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{AllowEscalation: boolp(true), RigelClusterRoles: []string{"rigel-deployer-prod", "rigel-reader-prod"}}
	if !reflect.DeepEqual(s.DefaultPolicy, want) {
		t.Fatalf("DefaultPolicy = %+v, want %+v", s.DefaultPolicy, want)
	}
	env["RIGEL_DEFAULT_ALLOW_ESCALATION"] = "maybe"
	if _, err := LoadSettings(context.Background(), func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), "RIGEL_DEFAULT_ALLOW_ESCALATION") {
		t.Fatalf("a bad RIGEL_DEFAULT_ALLOW_ESCALATION = %v, want an error naming it", err)
	}

	file := filepath.Join(t.TempDir(), "rigel.yaml")
	if err := os.WriteFile(file, []byte("defaultPolicy:\n  clusterScoped: false\n  allowEscalation: false\n  rigelClusterRoles: [deployer-x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = LoadSettings(context.Background(), func(k string) string { return map[string]string{"RIGEL_CONFIG": file}[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.DefaultPolicy; p.EscalationAllowed() || p.ClusterScopedAllowed() || !reflect.DeepEqual(p.RigelRoles(), []string{"rigel-deployer", "rigel-reader", "deployer-x"}) {
		t.Fatalf("DefaultPolicy from the file = %+v", p)
	}
}
