package commands

import (
	"context"
	"strings"
	"testing"
)

// recorder is the GitHub side of a conversation, for tests of the runner alone.
type recorder struct {
	comments  []string
	reactions []string
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
func (r *recorder) Permission(context.Context, Repo, string) (string, error)    { return "write", nil }
func (r *recorder) GitCredentials(context.Context) (string, string, error)      { return "", "", nil }
func (r *recorder) FindPull(context.Context, Repo, string) (*Pull, error)       { return nil, nil }
func (r *recorder) OpenPull(context.Context, Repo, NewPull) (Pull, error)       { return Pull{}, nil }

func TestHandleAnswersEveryCommand(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		wants []string
	}{
		{"a panic is answered, not dropped", "/rigel list", []string{"internal error"}},
		{"a parse error and a command", "/rigel add-deployment \"x\n/rigel help", []string{"quote", "/rigel add-deployment"}},
		{"a bare prefix gets the help", "/rigel", []string{"| command | what it does |"}},
		{"no command, no reply", "thanks, rigel", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			err := (&Runner{}).Handle(context.Background(), rec, Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 1, CommentID: 9, Body: tc.body})
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
			if len(tc.wants) > 0 && (len(rec.reactions) != 1 || rec.reactions[0] != "eyes") {
				t.Errorf("reactions = %v, want [eyes]", rec.reactions)
			}
		})
	}
}
