package githubclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v62/github"
)

// PullFiles lists the files pull request number changes at head, its head commit, merging
// into base (the base commit; "" for the pull request's current one). These are the event's
// pull_request.head.sha and base.sha: the list is for that head, not a newer one.
//
// It reads the pull request's own listing (GET pulls/{n}/files, paginated, at most
// MaxPullFiles files on GitHub). When the pull request's head is no longer head, when
// GitHub refuses that listing (422, as for a diff too large) or cuts it, it compares
// base...head instead (GET compare, at most MaxCompareFiles files) and keeps what both
// listed. ChangedFiles.Complete says whether the list holds every changed file.
func (i *Installation) PullFiles(ctx context.Context, repo Repo, number int, base, head string) (ChangedFiles, error) {
	pr, _, err := i.client.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return ChangedFiles{}, fmt.Errorf("failed to read PR %s#%d for its changed files: %w", repo.FullName(), number, err)
	}
	if base == "" {
		base = pr.GetBase().GetSHA()
	}
	if head == "" {
		head = pr.GetHead().GetSHA()
	}
	if pr.GetHead().GetSHA() == head {
		files, err := i.pullFiles(ctx, repo, number)
		switch {
		case err == nil && len(files) == pr.GetChangedFiles() && len(files) < MaxPullFiles:
			return ChangedFiles{Files: files, Complete: true, Source: "pulls"}, nil
		case err == nil:
			// Cut by GitHub: what a comparison adds is kept too.
			cmp, cerr := i.compareFiles(ctx, repo, base, head)
			if cerr != nil {
				return ChangedFiles{Files: files, Source: "pulls"}, nil
			}
			cmp.Files = union(files, cmp.Files)
			cmp.Complete = cmp.Complete && len(cmp.Files) >= pr.GetChangedFiles()
			return cmp, nil
		case !isStatus(err, http.StatusUnprocessableEntity):
			return ChangedFiles{}, fmt.Errorf("failed to list the files of PR %s#%d: %w", repo.FullName(), number, err)
		}
	}
	cmp, err := i.compareFiles(ctx, repo, base, head)
	if err != nil {
		return ChangedFiles{}, fmt.Errorf("failed to list the files of PR %s#%d: %w", repo.FullName(), number, err)
	}
	return cmp, nil
}

// pullFiles reads the pull request's listing, every page.
func (i *Installation) pullFiles(ctx context.Context, repo Repo, number int) ([]ChangedFile, error) {
	var out []ChangedFile
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := i.client.PullRequests.ListFiles(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, err
		}
		for _, f := range page {
			out = append(out, changedFile(f))
		}
		if resp.NextPage == 0 || len(out) >= MaxPullFiles {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// compareFiles lists what base...head changes (from their merge base to head, as a pull
// request's files are).
func (i *Installation) compareFiles(ctx context.Context, repo Repo, base, head string) (ChangedFiles, error) {
	if base == "" || head == "" {
		return ChangedFiles{}, fmt.Errorf("failed to compare %s: a base and a head commit are needed", repo.FullName())
	}
	cmp, _, err := i.client.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, base, head, nil)
	if err != nil {
		return ChangedFiles{}, fmt.Errorf("failed to compare %s...%s in %s: %w", short(base), short(head), repo.FullName(), err)
	}
	out := ChangedFiles{Source: "compare", Complete: len(cmp.Files) < MaxCompareFiles}
	for _, f := range cmp.Files {
		out.Files = append(out.Files, changedFile(f))
	}
	return out, nil
}

func changedFile(f *github.CommitFile) ChangedFile {
	return ChangedFile{Path: f.GetFilename(), PreviousPath: f.GetPreviousFilename(), Status: f.GetStatus()}
}

// union is a's files, then those of b that a does not have.
func union(a, b []ChangedFile) []ChangedFile {
	seen := map[ChangedFile]bool{}
	var out []ChangedFile
	for _, f := range append(append([]ChangedFile(nil), a...), b...) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// isStatus says whether err is GitHub's answer with status code.
func isStatus(err error, code int) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == code
}
