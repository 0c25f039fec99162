package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/kube"
)

func TestReplicaRepliesGolden(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 40, 0, time.UTC)
	held := kube.LeaseInfo{Name: "rigel-deploy-web", Holder: "rigel-7d9f8-x2k4q", Acquired: now.Add(-40 * time.Second),
		Annotations: map[string]string{annCommand: "/rigel apply web", annRepo: "acme/shop", annIssue: "12"}}
	golden(t, "held", errorReply("/rigel apply web", heldMessage("web", held, now), ""))

	ri := recordInfo{Repo: Repo{Owner: "acme", Name: "shop"}, Number: 12, Command: "/rigel apply web", Replica: "rigel-7d9f8-x2k4q",
		LastSeen: now, Phase: phaseApplying, Deployment: "web", Commit: commit}
	golden(t, "unfinished", unfinishedReply(ri, "The registry now records that sync as Failed."))

	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrShuttingDown)
	golden(t, "shutting_down", stoppedReply(ctx, "/rigel apply web", &stoppedError{Cause: ErrShuttingDown,
		Detail: "It was applying `web` at `0123456`, so some objects may have changed and others not. The registry records this sync as Failed. `/rigel diff web` shows where the cluster stands."}))
}

func TestHeldMessage(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		lease kube.LeaseInfo
		wants []string
	}{
		{"a conversation's apply", kube.LeaseInfo{Holder: "rigel-a", Acquired: now.Add(-40 * time.Second),
			Annotations: map[string]string{annCommand: "/rigel apply --all", annRepo: "acme/shop", annIssue: "12"}},
			[]string{"`/rigel apply --all` from acme/shop#12", "started 40 s ago", "on replica `rigel-a`", "Nothing was done"}},
		{"an API call", kube.LeaseInfo{Holder: "rigel-b", Acquired: now.Add(-3 * time.Minute),
			Annotations: map[string]string{annCommand: "apply web (HTTP API)"}},
			[]string{"`apply web (HTTP API)` started 3 min ago", "`rigel-b`"}},
		{"a lease without annotations", kube.LeaseInfo{Holder: "rigel-c", Acquired: now}, []string{"another apply started less than a second ago"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := heldMessage("web", tc.lease, now)
			for _, w := range tc.wants {
				if !strings.Contains(got, w) {
					t.Errorf("message lacks %q: %s", w, got)
				}
			}
		})
	}
}

func TestStoppedReply(t *testing.T) {
	tests := []struct {
		name  string
		cause error
		want  string
	}{
		{"not cut short", nil, ""},
		{"a timeout is an ordinary failure", context.DeadlineExceeded, ""},
		{"shutdown", ErrShuttingDown, "Rigel is shutting down and stopped `/rigel diff web` before it finished; run it again."},
		{"lock lost", errLockLost, "`/rigel diff web` stopped before it finished: Rigel lost its lock"},
		{"record lost", errRecordLost, "`/rigel diff web` stopped before it finished: Rigel lost the record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			if tc.cause != nil {
				cancel(tc.cause)
			} else {
				defer cancel(nil)
			}
			got := stoppedReply(ctx, "/rigel diff web", errors.New("failed to diff: context canceled"))
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("stoppedReply = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStoppedReplyOfAnApply(t *testing.T) {
	// The apply's own context (its lock's) ended; the command's did not.
	err := &stoppedError{Cause: errLockLost, Detail: "It was applying `web` at `0123456`."}
	got := stoppedReply(context.Background(), "/rigel apply web", fmt.Errorf("apply: %w", err))
	for _, w := range []string{"`/rigel apply web` stopped before it finished: Rigel lost its lock", "It was applying `web` at `0123456`."} {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q: %s", w, got)
		}
	}
}

func TestReadRecord(t *testing.T) {
	good := map[string]string{annRepo: "acme/shop", annIssue: "12", annInstallation: "99", annCommand: "/rigel apply web", annReplica: "rigel-a"}
	tests := []struct {
		name    string
		change  func(map[string]string)
		wantErr string
	}{
		{"complete", func(map[string]string) {}, ""},
		{"no issue", func(a map[string]string) { delete(a, annIssue) }, "no issue number"},
		{"no installation", func(a map[string]string) { a[annInstallation] = "x" }, "no installation id"},
		{"no repository", func(a map[string]string) { a[annRepo] = "acme" }, "no repository"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := map[string]string{}
			for k, v := range good {
				a[k] = v
			}
			tc.change(a)
			ri, err := readRecord(kube.LeaseInfo{Name: "rigel-cmd-x", Holder: "sweeper", Annotations: a})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("readRecord = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ri.Repo.FullName() != "acme/shop" || ri.Number != 12 || ri.Installation != 99 || ri.Replica != "rigel-a" {
				t.Fatalf("readRecord = %+v", ri)
			}
		})
	}
}
