package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/rigel-gitops/rigel/ops"
)

// TestStatusOf: each refusal of the service answers with its HTTP status, however wrapped.
func TestStatusOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"a stale preview", &ops.Stale{Why: ops.StaleDigest}, http.StatusConflict},
		{"a stale preview, wrapped", fmt.Errorf("x: %w", &ops.Stale{Why: ops.StaleCommit}), http.StatusConflict},
		{"a policy", &ops.Policy{}, http.StatusBadRequest},
		{"an unknown deployment", &ops.NotFound{Kind: ops.KindDeployment, Name: "web"}, http.StatusNotFound},
		{"an unknown repository, wrapped", fmt.Errorf("failed to update: %w", &ops.NotFound{Kind: ops.KindRepository, Name: "acme/x"}), http.StatusNotFound},
		{"a name taken", &ops.Taken{Why: ops.TakenName, Name: "web", Repo: "acme/x"}, http.StatusBadRequest},
		{"a bad folder", &ops.BadFolder{Folder: "/etc", Why: ops.FolderAbsolute}, http.StatusBadRequest},
		{"invalid entries", &ops.InvalidEntries{}, http.StatusBadRequest},
		{"bad input", &ops.Invalid{Msg: "no"}, http.StatusBadRequest},
		{"a deployment another apply holds (as when it was a fault.Invalid)", &ops.Held{Deployment: "web"}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := statusOf(tc.err); got != tc.want {
				t.Fatalf("statusOf(%T) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
