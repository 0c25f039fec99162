package main

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/sync"
)

func TestPrintHooks(t *testing.T) {
	job := sync.Ref{Group: "batch", Version: "v1", Kind: "Job", Namespace: "shop"}
	named := job
	named.Name = "notify"
	plan := &sync.Plan{Hooks: []sync.HookChange{
		{Change: sync.Change{Ref: job, Action: sync.ActionCreate}, GenerateName: "migrate-", Stage: sync.HookPre,
			Hook: sync.Hook{Phases: []string{"PreSync"}, Weight: -1}, Runs: []sync.HookRun{{Image: "app:1", Command: []string{"/app", "migrate"}}}},
		{Change: sync.Change{Ref: named, Action: sync.ActionError, Err: "denied"}, Stage: sync.HookPost, Hook: sync.Hook{Phases: []string{"post-install"}}},
		{Change: sync.Change{Ref: named, Action: sync.ActionCreate}, Stage: sync.HookNotRun, NotRun: "test: a helm test hook"},
	}}
	var b strings.Builder
	printHooks(&b, plan)
	want := "# hook Job/shop/migrate-* (PreSync, weight -1) runs before the objects: app:1 /app migrate\n" +
		"# hook Job/shop/notify (post-install, weight 0) runs after the objects are healthy\n" +
		"# hook Job/shop/notify refused: denied\n" +
		"# hook Job/shop/notify not run by rigel: test: a helm test hook\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	printHookResults(&b, &sync.Result{Hooks: []sync.HookResult{{Ref: named, Stage: sync.HookPost, Outcome: sync.HookFailed, Message: "the Job failed", Logs: "a\nb\n"}}})
	if want := "# hook Job/shop/notify (post): Failed: the Job failed\n#   | a\n#   | b\n"; b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
