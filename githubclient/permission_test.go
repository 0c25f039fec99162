package githubclient

import (
	"testing"

	"github.com/google/go-github/v62/github"
)

func TestRoleOf(t *testing.T) {
	tests := []struct {
		name       string
		permission string
		roleName   string
		flags      map[string]bool
		want       string
	}{
		{"maintain is reported as write by the legacy field", "write", "maintain", nil, "maintain"},
		{"triage is reported as read by the legacy field", "read", "triage", nil, "triage"},
		{"admin", "admin", "admin", nil, "admin"},
		{"a custom role ranks by its strongest flag", "write", "deployer", map[string]bool{"pull": true, "triage": true, "push": true}, "write"},
		{"a custom read role", "read", "auditor", map[string]bool{"pull": true}, "read"},
		{"no role name: the legacy field", "read", "", nil, "read"},
		{"nothing known", "", "", nil, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := &github.User{Permissions: tc.flags}
			if tc.roleName != "" {
				u.RoleName = github.String(tc.roleName)
			}
			p := &github.RepositoryPermissionLevel{User: u}
			if tc.permission != "" {
				p.Permission = github.String(tc.permission)
			}
			if got := roleOf(p); got != tc.want {
				t.Fatalf("roleOf = %q, want %q", got, tc.want)
			}
		})
	}
}
