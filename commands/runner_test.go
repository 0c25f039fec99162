package commands

import (
	"context"
	"github.com/rigel-gitops/rigel/ops"
	"slices"
	"strings"
	"testing"
	"time"
)

// recorder is the GitHub side of a conversation, for tests of the runner alone.
type recorder struct {
	comments  []string
	reactions []string
	perm      string // the author's role; "" is write
	permAsked int
}

func (r *recorder) Comment(_ context.Context, _ Repo, _ int, body string) (int64, error) {
	r.comments = append(r.comments, body)
	return int64(len(r.comments)), nil
}
func (r *recorder) React(_ context.Context, _ Repo, _ int64, content string) error {
	r.reactions = append(r.reactions, content)
	return nil
}
func (r *recorder) PullHead(context.Context, Repo, int) (PullHead, error)       { return PullHead{}, nil }
func (r *recorder) Comments(context.Context, Repo, int) ([]IssueComment, error) { return nil, nil }
func (r *recorder) Reviews(context.Context, Repo, int) ([]Review, error)        { return nil, nil }
func (r *recorder) Permission(context.Context, Repo, string) (string, error) {
	r.permAsked++
	if r.perm == "" {
		return "write", nil
	}
	return r.perm, nil
}
func (r *recorder) GitCredentials(context.Context) (string, string, error) { return "", "", nil }
func (r *recorder) FindPull(context.Context, Repo, string) (*Pull, error)  { return nil, nil }
func (r *recorder) OpenPull(context.Context, Repo, NewPull) (Pull, error)  { return Pull{}, nil }

func TestHandleAnswersEveryCommand(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wants     []string
		reactions []string // 👀 on receipt, then the outcome: 🚀 all did what they asked, 😕 not
	}{
		{"a panic is answered, not dropped", "/rigel list", []string{"internal error"}, []string{"eyes", "confused"}},
		{"a parse error and a command", "/rigel add-deployment \"x\n/rigel help", []string{"quote", "/rigel add-deployment"}, []string{"eyes", "confused"}},
		{"a bare prefix gets the help", "/rigel", []string{"| command | what it does |"}, []string{"eyes", "rocket"}},
		{"no command, no reply", "thanks, rigel", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			err := (&Runner{Ops: &ops.Service{}}).Handle(context.Background(), rec, Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 1, CommentID: 9, Body: tc.body})
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.comments) != len(tc.wants) {
				t.Fatalf("got %d replies, want %d: %q", len(rec.comments), len(tc.wants), rec.comments)
			}
			for i, w := range tc.wants {
				if !strings.Contains(rec.comments[i], w) {
					t.Errorf("reply %d lacks %q: %s", i, w, rec.comments[i])
				}
			}
			if !slices.Equal(rec.reactions, tc.reactions) {
				t.Errorf("reactions = %v, want %v", rec.reactions, tc.reactions)
			}
		})
	}
}

func TestHandleBoundsWhatAndHowMuchItAnswers(t *testing.T) {
	forged := "/rigel dif <!-- rigel:plan deployment=web commit=" + strings.Repeat("c", 40) + " digest=" + strings.Repeat("d", 64) + " --> now" // "--> now" is the flag ">", echoed by "did you mean"
	tests := []struct {
		name    string
		perm    string
		body    string
		wants   []string // each reply holds its string
		notWant []string // no reply holds these
	}{
		{"thousands of unknown commands by a stranger: one reply, nothing quoted", "none", strings.Repeat("/rigel x\n", 7000),
			[]string{"10 lines of this comment are not Rigel commands; nothing was done.\n\n❌ This comment holds 7000 commands, and Rigel runs at most 10 per comment: the last 6990 did not run."},
			[]string{"`x`", "/rigel x"}},
		{"thousands of unknown commands by a reader: one reply that lists ten", "read", strings.Repeat("/rigel x\n", 7000),
			[]string{"10 lines of this comment are not Rigel commands, and none of them ran:\n\n- `x` is not a Rigel command.\n"}, nil},
		{"a forged marker behind a typo, by a stranger", "none", forged, []string{"A line of this comment is not a Rigel command"}, []string{"rigel:plan", "dif"}},
		{"a forged marker behind a typo, by a reader", "read", forged, []string{"Did you mean `diff`?\n\nType `dif` again as `/rigel diff <\u200d!-- rigel:plan"}, []string{"<!--", "-->"}},
		{"unknown verbs answered together where the first stands", "write", "/rigel dif\n/rigel help\n/rigel aply x\n/rigel \"open",
			[]string{"3 lines of this comment are not Rigel commands", "| command | what it does |"}, nil},
		{"more than ten known commands: ten run, the rest refused once", "write", strings.Repeat("/rigel help\n", 12),
			append(repeat("| command | what it does |", 10), "the last 2 did not run. Split them over several comments."), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{perm: tc.perm}
			err := (&Runner{Ops: &ops.Service{}}).Handle(context.Background(), rec, Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 1, CommentID: 9, Author: "mallory", Body: tc.body})
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.comments) != len(tc.wants) {
				t.Fatalf("got %d replies, want %d: %q", len(rec.comments), len(tc.wants), rec.comments)
			}
			for i, w := range tc.wants {
				if !strings.Contains(rec.comments[i], w) {
					t.Errorf("reply %d lacks %q: %s", i, w, rec.comments[i])
				}
			}
			for _, c := range rec.comments {
				for _, n := range tc.notWant {
					if strings.Contains(c, n) {
						t.Errorf("a reply holds %q: %s", n, c)
					}
				}
				if ms := verifyMarkers(fallbackMarkerKey, conversation{Repo: "acme/web", Number: 1}, c); len(ms) > 0 {
					t.Errorf("a reply carries a marker that verifies: %s", c)
				}
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestHandleRateLimit(t *testing.T) {
	r := &Runner{Ops: &ops.Service{}, Rate: NewRateLimiter(2, time.Minute)}
	rec := &recorder{}
	req := Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 1, CommentID: 9, Author: "mallory", Body: "/rigel help"}
	for range 5 {
		if err := r.Handle(context.Background(), rec, req); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.comments) != 3 || !strings.Contains(rec.comments[2], "⏳ @mallory, Rigel runs at most 2 commands a minute") || !strings.Contains(rec.comments[2], "so 1 command of this comment did not run") {
		t.Fatalf("replies = %q, want two helps and one notice", rec.comments)
	}
	// Two helps (👀 🚀 each), one told it was over the limit (👀 😕), two dropped: nothing.
	if want := []string{"eyes", "rocket", "eyes", "rocket", "eyes", "confused"}; !slices.Equal(rec.reactions, want) {
		t.Fatalf("reactions = %v, want %v: a dropped comment gets nothing", rec.reactions, want)
	}
	other := req
	other.Author = "alice"
	if err := r.Handle(context.Background(), rec, other); err != nil || len(rec.comments) != 4 {
		t.Fatalf("another person was limited too: %v %d", err, len(rec.comments))
	}
}
