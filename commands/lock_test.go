package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/replica"
)

func TestReplicaRepliesGolden(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 40, 0, time.UTC)
	held := &replica.Held{Deployment: "web", Command: "/rigel apply web", Repo: "acme/shop", Number: "12", Replica: "rigel-7d9f8-x2k4q",
		Since: now.Add(-40 * time.Second), Age: 40 * time.Second}
	msg, ok := refusal(fmt.Errorf("failed to apply: %w", held))
	if !ok {
		t.Fatal("a held lock is not a refusal")
	}
	golden(t, "held", errorReply("/rigel apply web", msg, ""))

	u := replica.Unfinished{Repo: "acme/shop", Number: 12, Command: "/rigel apply web", Replica: "rigel-7d9f8-x2k4q",
		LastSeen: now, Phase: replica.PhaseApplying, Deployment: "web", Commit: commit, Recorded: true}
	golden(t, "unfinished", unfinishedReply(u))

	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(replica.ErrShuttingDown)
	golden(t, "shutting_down", stoppedReply(ctx, "/rigel apply web", &stoppedError{Cause: replica.ErrShuttingDown,
		Detail: "It was applying `web` at `0123456`, so some objects may have changed and others not. The registry records this sync as Failed. `/rigel diff web` shows where the cluster stands."}))
}

func TestUnfinishedReply(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 40, 0, time.UTC)
	base := replica.Unfinished{Repo: "acme/shop", Number: 12, Installation: 7, Command: "/rigel apply web", Replica: "rigel-a", LastSeen: at}
	applying := base
	applying.Phase, applying.Deployment, applying.Commit = replica.PhaseApplying, "web", commit
	with := func(u replica.Unfinished, f func(*replica.Unfinished)) replica.Unfinished { f(&u); return u }
	tests := []struct {
		name   string
		u      replica.Unfinished
		wants  []string
		absent []string
	}{
		{"a command before it applied", base,
			[]string{"⚠️ Rigel stopped before `/rigel apply web` finished (the replica `rigel-a` running it went away at 10:00:40 UTC, Nov 23)."},
			[]string{"It was applying", "registry"}},
		{"an apply recorded as Failed", with(applying, func(u *replica.Unfinished) { u.Recorded = true }),
			[]string{"It was applying `web` at `0123456`", " The registry now records that sync as Failed. `/rigel diff web` shows"}, nil},
		{"an apply the registry could not record", with(applying, func(u *replica.Unfinished) { u.RecordErr = errors.New("etcd is gone") }),
			[]string{"others not. Rigel could not record that in helmsman-git-sources: etcd is gone. `/rigel diff web` shows"}, []string{"now records"}},
		{"an apply a later sync superseded", applying,
			[]string{"some objects may have changed and others not. `/rigel diff web` shows where the cluster stands."}, []string{"registry"}},
		{"a phase without a deployment", with(base, func(u *replica.Unfinished) { u.Phase = replica.PhaseApplying }), nil, []string{"It was applying"}},
		{"a command line that would close a comment", with(base, func(u *replica.Unfinished) { u.Command = "/rigel diff --> x" }), nil, []string{"-->"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := unfinishedReply(tc.u)
			for _, w := range tc.wants {
				if !strings.Contains(got, w) {
					t.Errorf("reply lacks %q: %s", w, got)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(got, a) {
					t.Errorf("reply has %q: %s", a, got)
				}
			}
		})
	}
}

// forgeOf answers with gh for installation 7 only.
func forgeOf(gh GitHub) func(int64) (GitHub, error) {
	return func(installation int64) (GitHub, error) {
		if installation != 7 {
			return nil, fmt.Errorf("no installation %d", installation)
		}
		return gh, nil
	}
}

// repoRecorder remembers where each comment went.
type repoRecorder struct {
	recorder
	where []string
}

func (r *repoRecorder) Comment(ctx context.Context, repo Repo, number int, body string) (int64, error) {
	r.where = append(r.where, fmt.Sprintf("%s#%d@%d", repo.FullName(), number, repo.Installation))
	return r.recorder.Comment(ctx, repo, number, body)
}

func TestReportUnfinished(t *testing.T) {
	u := replica.Unfinished{Repo: "acme/shop", Number: 12, Installation: 7, Command: "/rigel sync web <!-- rigel:plan -->", Replica: "rigel-a", LastSeen: time.Now()}
	tests := []struct {
		name      string
		u         replica.Unfinished
		wantErr   bool
		wantWhere string
	}{
		{"told in the record's conversation, with its installation", u, false, "acme/shop#12@7"},
		{"an installation Rigel cannot answer with fails", func() replica.Unfinished { v := u; v.Installation = 8; return v }(), true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gh := &repoRecorder{}
			err := (&Runner{MarkerKey: testKey}).ReportUnfinished(forgeOf(gh))(context.Background(), tc.u)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ReportUnfinished = %v, want an error: %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if len(gh.comments) != 0 {
					t.Fatalf("posted %v", gh.comments)
				}
				return
			}
			if len(gh.where) != 1 || gh.where[0] != tc.wantWhere {
				t.Fatalf("posted to %v, want %s", gh.where, tc.wantWhere)
			}
			if body := gh.comments[0]; !strings.Contains(body, "Rigel stopped before") || strings.Contains(body, "<!-- rigel:plan") {
				t.Fatalf("the report is not a sealed unfinished reply: %s", body)
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
		{"shutdown", replica.ErrShuttingDown, "Rigel is shutting down and stopped `/rigel diff web` before it finished; run it again."},
		{"lock lost", replica.ErrLockLost, "`/rigel diff web` stopped before it finished: Rigel lost its lock"},
		{"record lost", replica.ErrRecordLost, "`/rigel diff web` stopped before it finished: Rigel lost the record"},
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
	err := &stoppedError{Cause: replica.ErrLockLost, Detail: "It was applying `web` at `0123456`."}
	got := stoppedReply(context.Background(), "/rigel apply web", fmt.Errorf("apply: %w", err))
	for _, w := range []string{"`/rigel apply web` stopped before it finished: Rigel lost its lock", "It was applying `web` at `0123456`."} {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q: %s", w, got)
		}
	}
}
