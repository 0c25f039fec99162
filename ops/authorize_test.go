package ops

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
)

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name  string
		perms map[string]string // Access.Permissions
		role  string            // the author's; "": read
		verb  string
		want  *Forbidden // nil: allowed
	}{
		{name: "a reader previews", verb: "diff"},
		{name: "a reader may not apply", verb: "apply",
			want: &Forbidden{User: "mallory", Have: "read", Need: "write", Repo: "acme/web", Verb: "apply"}},
		{name: "a writer applies", role: "write", verb: "apply"},
		{name: "a verb without a default needs write", role: "triage", verb: "something-new",
			want: &Forbidden{User: "mallory", Have: "triage", Need: "write", Repo: "acme/web", Verb: "something-new"}},
		{name: "the settings raise a verb", perms: map[string]string{"apply": "maintain"}, role: "write", verb: "apply",
			want: &Forbidden{User: "mallory", Have: "write", Need: "maintain", Repo: "acme/web", Verb: "apply"}},
		{name: "none lets anyone, even without a role", perms: map[string]string{"list": "none"}, role: "none", verb: "list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, _, _, _ := newTestService(t)
			svc.Access.Permissions = tc.perms
			forge := &fakeForge{roles: map[string]string{}}
			if tc.role != "" {
				forge.roles["mallory"] = tc.role
			}
			err := svc.Authorize(context.Background(), conversation(webRepo, "Mallory", forge), tc.verb)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Authorize = %v", err)
				}
				return
			}
			if tc.want.User = "Mallory"; !reflect.DeepEqual(refusalOf(err), tc.want) {
				t.Fatalf("Authorize = %#v, want %#v", err, tc.want)
			}
		})
	}
	t.Run("a role GitHub cannot tell is a failure", func(t *testing.T) {
		svc, _, _, _ := newTestService(t)
		err := svc.Authorize(context.Background(), conversation(webRepo, "mallory", permissionFails{&fakeForge{}}), "apply")
		if err == nil || IsRefusal(err) || !strings.Contains(err.Error(), "failed to check the permission of @mallory on acme/web") {
			t.Fatalf("Authorize = %v", err)
		}
	})
}

func TestAdminGuards(t *testing.T) {
	ctx := context.Background()
	withPolicy := &config.Policy{Namespaces: []string{"shop"}}
	tests := []struct {
		name  string
		role  string
		guard func(*Service, Call) error
		want  *Forbidden // nil: allowed
	}{
		{name: "a writer may not set a policy", role: "write",
			guard: func(s *Service, c Call) error { return s.RequireAdmin(ctx, c, GuardSetPolicy, "") },
			want:  &Forbidden{User: "octocat", Have: "write", Need: "admin", Repo: "acme/web", Guard: GuardSetPolicy, Namespace: "rigel"}},
		{name: "an admin sets a policy", role: "admin",
			guard: func(s *Service, c Call) error { return s.RequireAdmin(ctx, c, GuardSetPolicy, "") }},
		{name: "a maintainer may not remove a deployment that has a policy", role: "maintain",
			guard: func(s *Service, c Call) error { return s.GuardRemove(ctx, c, "web") },
			want:  &Forbidden{User: "octocat", Have: "maintain", Need: "admin", Repo: "acme/web", Guard: GuardRemove, Deployment: "web", Namespace: "rigel"}},
		{name: "a writer removes a deployment without a policy", role: "write",
			guard: func(s *Service, c Call) error { return s.GuardRemove(ctx, c, "api") }},
		{name: "a deployment nobody registered is the removal's to refuse", role: "write",
			guard: func(s *Service, c Call) error { return s.GuardRemove(ctx, c, "nosuch") }},
		{name: "an admin removes a deployment that has a policy", role: "admin",
			guard: func(s *Service, c Call) error { return s.GuardRemove(ctx, c, "web") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, _, _, _ := newTestService(t)
			seedRegistry(t, svc, entry(webRepo, config.Deployment{Name: "web", Path: "deploy/web", Policy: withPolicy}, config.Deployment{Name: "api", Path: "k8s"}))
			err := tc.guard(svc, conversation(webRepo, "octocat", &fakeForge{roles: map[string]string{"octocat": tc.role}}))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("guard = %v", err)
				}
				return
			}
			if !reflect.DeepEqual(refusalOf(err), tc.want) {
				t.Fatalf("guard = %#v, want %#v", err, tc.want)
			}
		})
	}
}
