package commands

import (
	"errors"
	"github.com/rigel-gitops/rigel/fault"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

func sampleFix(diagnosed bool) *ops.FixProposal {
	p := &ops.FixProposal{
		Ref:        kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"},
		Deployment: config.Deployment{Name: "web", Path: "apps/web/k8s"},
		Repo:       "acme/web", Branch: "main", Base: commit, Author: "octocat", Number: 12, FromIssue: true,
		Edits: []fix.Edit{{Field: fix.FieldMemory, Value: "256Mi", Container: "app"}},
		Changes: []fix.Change{{Path: "apps/web/k8s/deploy.yaml",
			Before: []byte("spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            limits:\n              memory: 128Mi # keep small\n"),
			After:  []byte("spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            limits:\n              memory: 256Mi # keep small\n")}},
	}
	p.Head = "rigel/fix-web-eba4bff" // the branch ops names this change (ops TestFixBranch)
	p.Commit = "89abcdef0123456789abcdef0123456789abcdef"
	if diagnosed {
		p.Diagnosis = &fix.Diagnosis{
			Findings: []untrusted.Text{untrusted.Own("container `app` was OOMKilled in 2 of 2 pods (memory limit 128Mi)"), untrusted.Own("last restart 2m ago; 5 restarts in all")},
			Edits:    p.Edits,
			Rule:     "OOMKilled with a memory limit: double the limit (128Mi → 256Mi).",
		}
		p.Changes[0].Notes = []string{"The memory request of container `app` was 200Mi, under the new limit, so it is kept."}
	}
	return p
}

func TestFixRenderGolden(t *testing.T) {
	pull := Pull{Number: 901, URL: "https://github.com/acme/web/pull/901", Head: "rigel/fix-web-1234567", Base: "main"}
	fromPR := sampleFix(false)
	fromPR.FromIssue = false
	fromPR.Edits = []fix.Edit{{Field: fix.FieldImage, Value: "nginx:1.27"}, {Field: fix.FieldEnv, Key: "LOG_LEVEL", Value: "debug"}}
	fromPR.Changes = []fix.Change{{Path: "apps/web/k8s/deploy.yaml",
		Before: []byte("      containers:\n        - name: app\n          image: nginx:1.25\n          env:\n            - name: LOG_LEVEL\n              value: info\n"),
		After:  []byte("      containers:\n        - name: app\n          image: nginx:1.27\n          env:\n            - name: LOG_LEVEL\n              value: debug\n")}}
	fromPR.Head = "rigel/fix-web-7ed6847"
	tests := []struct{ name, got string }{
		{"fix_opened", renderFixOpened(sampleFix(true), pull)},
		{"fix_opened_set", renderFixOpened(sampleFix(false), pull)},
		{"fix_existing", renderFixExisting(sampleFix(true), pull)},
		{"fix_unchanged", renderFixUnchanged(sampleFix(false))},
		{"fix_unchanged_in_pull", renderFixUnchangedInPull(sampleFix(false), &ops.PullHead{Ref: "rigel/fix-web-7ed6847", SHA: "0123456789abcdef0123456789abcdef01234567"})},
		{"fix_nothing", renderNoFix(kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}, &fix.Diagnosis{
			Findings: []untrusted.Text{untrusted.Own("Deployment `web` in namespace `shop` has 2 pods, 2 ready (it asks for 2)."), untrusted.Own("Container `app` restarted 1 time (exit code 1, reason Error)."),
				untrusted.Own("Rigel recognises containers killed for running out of memory, crash-looping containers, images or tags that cannot be pulled, missing ConfigMaps, Secrets or keys, requests no node has room for, probes on ports the container does not declare and readiness paths answering 404; it saw none of these, so it has no fix to propose.")}})},
		{"fix_pull_body", words.FixPull(sampleFix(true))},
		{"fix_pull_body_set", words.FixPull(fromPR)},
		{"fix_opened_shared", renderFixOpened(sharedFix(), pull)},
		{"fix_pull_body_shared", words.FixPull(sharedFix())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, strings.ReplaceAll(tc.got, blockSep, "\n\n"))
		})
	}
}

// sharedFix edits a base two other deployments render, on a branch name passed over once.
func sharedFix() *ops.FixProposal {
	p := sampleFix(false)
	p.Changes[0].Path = "apps/base/deploy.yaml"
	first := p.Head
	p.Head = first + "-2"
	p.Taken = []ops.TakenBranch{{Branch: first, Why: "its tip 1234567 changes other files or other lines"}}
	p.Shared = []ops.SharedUse{{Path: "apps/base/deploy.yaml", Deployments: []string{"prod", "staging"}}}
	p.Unknown = []string{"legacy"}
	return p
}

func TestFixPullBody(t *testing.T) {
	body := words.FixPull(sampleFix(true))
	for _, want := range []string{"## Diagnosis", "OOMKilled in 2 of 2 pods", "**Rule:** OOMKilled", "```diff\n--- a/apps/web/k8s/deploy.yaml\n+++ b/apps/web/k8s/deploy.yaml\n", "-              memory: 128Mi # keep small\n+              memory: 256Mi # keep small\n", "Closes #12", "- The memory request of container `app` was 200Mi"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	fromPR := sampleFix(true)
	fromPR.FromIssue = false
	if b := words.FixPull(fromPR); strings.Contains(b, "Closes") || !strings.Contains(b, "Asked for in #12") {
		t.Errorf("a fix asked for in a PR closes nothing:\n%s", b)
	}
	big := sampleFix(false)
	big.Changes[0].After = []byte(strings.Repeat("x: y\n", 30000))
	if b := words.FixPull(big); len([]rune(b)) > MaxComment || !strings.Contains(b, "… (cut") {
		t.Errorf("a huge diff is not cut: %d characters", len([]rune(b)))
	}
}

func TestFixEdits(t *testing.T) {
	tests := []struct {
		line    string
		want    string // edits, ";"-joined; "" with explicit=false: diagnose
		wantErr string
	}{
		{"/rigel fix deploy/web", "", ""},
		{"/rigel fix deploy/web set image=nginx:1.27", "image=nginx:1.27", ""},
		{"/rigel fix deploy/web set memory=512Mi cpu=500m", "memory=512Mi;cpu=500m", ""},
		{"/rigel fix deploy/web set memory=512Mi set replicas=3", "memory=512Mi;replicas=3", ""},
		{"/rigel fix deploy/web SET env.LOG_LEVEL=debug --container app", "env.LOG_LEVEL=debug (container app)", ""},
		{"/rigel fix deploy/web -n shop set image=nginx:1.27 --container=web", "image=nginx:1.27 (container web)", ""},
		{"/rigel fix deploy/web memory=512Mi", "", "is not something `fix` understands"},
		{"/rigel fix deploy/web set", "", "nothing to set"},
		{"/rigel fix deploy/web set memory=lots", "", "is not a quantity"},
		{"/rigel fix deploy/web set colour=blue", "", "cannot set `colour`"},
		{"/rigel fix deploy/web --container app", "", "`--container` goes with `set`"},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			cmds, errs := Parse(tc.line)
			if len(errs) > 0 || len(cmds) != 1 {
				t.Fatalf("parse: %v", errs)
			}
			c := &call{cmd: cmds[0]}
			edits, explicit, err := c.fixEdits()
			if tc.wantErr != "" {
				var ue *fault.Invalid
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want a UserError with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range edits {
				got = append(got, e.String())
			}
			if strings.Join(got, ";") != tc.want || explicit != (tc.want != "") {
				t.Fatalf("edits = %q (explicit %v), want %q", got, explicit, tc.want)
			}
		})
	}
}
