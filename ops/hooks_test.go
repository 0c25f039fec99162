package ops

import (
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

func TestResultMessageHooks(t *testing.T) {
	job := sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop", Name: "migrate-x1"}
	tests := []struct {
		name  string
		hooks []sync.HookResult
		want  string
	}{
		{"no hooks", nil, "0 created, 0 changed, 0 unchanged, 0 failed"},
		{"only hooks not run", []sync.HookResult{{Ref: job, Outcome: string(sync.HookNotRun)}, {Ref: job, Outcome: sync.HookSkipped}}, "0 created, 0 changed, 0 unchanged, 0 failed"},
		{"all succeeded", []sync.HookResult{{Ref: job, Outcome: sync.HookSucceeded}}, "0 created, 0 changed, 0 unchanged, 0 failed; 1 of 1 hooks succeeded"},
		{"one timed out", []sync.HookResult{{Ref: job, Outcome: sync.HookSucceeded}, {Ref: job, Outcome: sync.HookTimedOut}},
			"0 created, 0 changed, 0 unchanged, 0 failed; 1 of 2 hooks succeeded; hook Job/shop/migrate-x1 timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ResultMessage(&sync.Result{Hooks: tt.hooks}); got != tt.want {
				t.Fatalf("ResultMessage = %q, want %q", got, tt.want)
			}
		})
	}
}
