package testenv

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/google/go-github/v62/github"
)

// TestGitHubPulls pushes a branch with an installation token, opens a pull request from it,
// finds it by head, and checks GitHub's refusals.
func TestGitHubPulls(t *testing.T) {
	f := newGHFixture(t)
	tok, err := f.itr.Token(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Push a branch as Rigel would, with the installation token.
	wt := memfs.New()
	repo, err := git.Clone(memory.NewStorage(), wt, &git.CloneOptions{URL: f.gs.CloneURL("acme/web"), Auth: auth(tok)})
	if err != nil {
		t.Fatal(err)
	}
	w, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	fl, err := wt.Create("a.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fl.Write([]byte("fixed"))
	_ = fl.Close()
	if _, err := w.Add("a.txt"); err != nil {
		t.Fatal(err)
	}
	sha, err := w.Commit("fix", &git.CommitOptions{Author: &object.Signature{Name: "rigel[bot]", Email: "bot@rigel.invalid", When: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Push(&git.PushOptions{Auth: auth(tok), RefSpecs: []gitconfig.RefSpec{gitconfig.RefSpec(sha.String() + ":refs/heads/rigel/fix-a")}}); err != nil {
		t.Fatalf("push with the installation token: %v", err)
	}
	if got, err := f.gs.Head("acme/web", "rigel/fix-a"); err != nil || got != sha.String() {
		t.Fatalf("branch at %s (%v), pushed %s", got, err, sha)
	}

	pr, resp, err := f.inst.PullRequests.Create(f.ctx, "acme", "web", &github.NewPullRequest{
		Title: github.String("Fix a"), Head: github.String("rigel/fix-a"), Base: github.String("main"), Body: github.String("Closes #3"),
	})
	if err != nil || statusOf(resp) != http.StatusCreated {
		t.Fatalf("create: %v (status %d)", err, statusOf(resp))
	}
	if pr.GetNumber() < firstCreatedPull || pr.GetHead().GetSHA() != sha.String() || pr.GetHead().GetRef() != "rigel/fix-a" || pr.GetBase().GetRef() != "main" ||
		pr.GetUser().GetLogin() != "rigel[bot]" || pr.GetUser().GetType() != "Bot" || pr.GetBody() != "Closes #3" || pr.GetState() != "open" ||
		!strings.HasSuffix(pr.GetHTMLURL(), "/acme/web/pull/"+strconv.Itoa(pr.GetNumber())) {
		t.Fatalf("created = %+v", pr)
	}
	if got := f.gh.Pulls("acme/web"); len(got) != 2 || got[1].Number != pr.GetNumber() || got[1].Head != "rigel/fix-a" || got[1].Body != "Closes #3" || got[1].User != "rigel[bot]" {
		t.Fatalf("Pulls = %+v", got)
	}
	if got, err := f.gs.Head("acme/web", "refs/pull/"+strconv.Itoa(pr.GetNumber())+"/head"); err != nil || got != sha.String() {
		t.Fatalf("refs/pull/N/head = %s, %v", got, err)
	}
	// The other endpoints see it.
	if got, _, err := f.inst.PullRequests.Get(f.ctx, "acme", "web", pr.GetNumber()); err != nil || got.GetHead().GetSHA() != sha.String() || got.GetBody() != "Closes #3" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if _, _, err := f.inst.Issues.CreateComment(f.ctx, "acme", "web", pr.GetNumber(), &github.IssueComment{Body: github.String("hi")}); err != nil {
		t.Fatalf("comment on the new PR: %v", err)
	}

	list := func(opts *github.PullRequestListOptions) []int {
		t.Helper()
		got, _, err := f.inst.PullRequests.List(f.ctx, "acme", "web", opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, p := range got {
			out = append(out, p.GetNumber())
		}
		return out
	}
	for _, tc := range []struct {
		name string
		opts *github.PullRequestListOptions
		want int // how many
	}{
		{"all open", &github.PullRequestListOptions{}, 2},
		{"by head", &github.PullRequestListOptions{State: "open", Head: "acme:rigel/fix-a"}, 1},
		{"by head of another owner", &github.PullRequestListOptions{Head: "someone:rigel/fix-a"}, 0},
		{"by head without owner", &github.PullRequestListOptions{Head: "rigel/fix-a"}, 0},
		{"by base", &github.PullRequestListOptions{Base: "trunk"}, 0},
		{"closed", &github.PullRequestListOptions{State: "closed"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.opts); len(got) != tc.want {
				t.Fatalf("list = %v, want %d", got, tc.want)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name, head, base, title, want string
		}{
			{"already open", "rigel/fix-a", "main", "again", "A pull request already exists for acme:rigel/fix-a."},
			{"no commits", "main", "main", "same", "No commits between main and main"},
			{"missing head", "nope", "main", "x", "invalid"},
			{"missing base", "rigel/fix-a", "nope", "x", "invalid"},
			{"no title", "rigel/fix-a", "main", "", "missing_field"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, resp, err := f.inst.PullRequests.Create(f.ctx, "acme", "web", &github.NewPullRequest{Title: github.String(tc.title), Head: github.String(tc.head), Base: github.String(tc.base)})
				if statusOf(resp) != http.StatusUnprocessableEntity || err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v (status %d), want 422 %q", err, statusOf(resp), tc.want)
				}
			})
		}
		if got := f.gh.Pulls("acme/web"); len(got) != 2 {
			t.Fatalf("refused requests opened pull requests: %+v", got)
		}
	})

	t.Run("closed frees the head", func(t *testing.T) {
		f.gh.SetPullState("acme/web", pr.GetNumber(), "closed", false)
		if got := list(&github.PullRequestListOptions{Head: "acme:rigel/fix-a"}); len(got) != 0 {
			t.Fatalf("open list = %v", got)
		}
		again, _, err := f.inst.PullRequests.Create(f.ctx, "acme", "web", &github.NewPullRequest{Title: github.String("Fix a"), Head: github.String("acme:rigel/fix-a"), Base: github.String("main")})
		if err != nil || again.GetNumber() == pr.GetNumber() {
			t.Fatalf("reopen = %+v, %v", again, err)
		}
	})
	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}
