package config

import (
	"fmt"
	"strconv"
	"strings"
)

// The escalation guard's settings (issue 18): RIGEL_DEFAULT_ALLOW_ESCALATION (true or false:
// the default policy's allowEscalation) and RIGEL_OWN_CLUSTER_ROLES (comma-separated: the
// default policy's rigelClusterRoles, the ClusterRoles the installation gives Rigel besides
// DefaultRigelClusterRoles). In the config file: defaultPolicy.allowEscalation and
// defaultPolicy.rigelClusterRoles.
func (s *Settings) applyEscalationEnv(getenv func(string) string) error {
	if v := getenv("RIGEL_DEFAULT_ALLOW_ESCALATION"); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("RIGEL_DEFAULT_ALLOW_ESCALATION %q is not true or false", v)
		}
		s.DefaultPolicy.AllowEscalation = &b
	}
	if v := splitList(getenv("RIGEL_OWN_CLUSTER_ROLES")); len(v) > 0 {
		s.DefaultPolicy.RigelClusterRoles = v
	}
	return nil
}
