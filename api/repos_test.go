package api

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/ops"
)

// TestReposNote: a truncated list says so and where the registered ones are; registered
// repositories GitHub hides say how to fix it; otherwise there is no note.
func TestReposNote(t *testing.T) {
	tests := []struct {
		name string
		list ops.RepoList
		want []string // parts of the note; none: no note
	}{
		{"complete", ops.RepoList{Limit: 1000, Unseen: []string{}}, nil},
		{"truncated", ops.RepoList{Limit: 2, Truncated: true}, []string{"more than 2 repositories", "only the first 2", "GET /api/git/sources"}},
		{"unseen", ops.RepoList{Limit: 1000, Unseen: []string{"acme/gone", "acme/moved"}}, []string{"2 registered repositories", "install the app", "DELETE /api/git/sources"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reposNote(&tt.list)
			if len(tt.want) == 0 && got != "" {
				t.Fatalf("note = %q, want none", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Fatalf("note = %q, want it to say %q", got, w)
				}
			}
		})
	}
}
