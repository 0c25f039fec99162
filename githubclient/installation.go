package githubclient

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"
)

// Installation implements ops.Forge with one installation's client.
type Installation struct {
	client *github.Client
	creds  func(context.Context) (string, string, error)
}

// Comment posts body once, even when GitHub fails after creating it (see commentOnce).
func (i *Installation) Comment(ctx context.Context, repo Repo, number int, body string) (int64, error) {
	id, err := i.commentOnce(ctx, repo, number, body)
	if err != nil {
		return 0, fmt.Errorf("failed to comment on %s#%d: %w", repo.FullName(), number, err)
	}
	return id, nil
}

func (i *Installation) React(ctx context.Context, repo Repo, commentID int64, content string) error {
	if _, _, err := i.client.Reactions.CreateIssueCommentReaction(ctx, repo.Owner, repo.Name, commentID, content); err != nil {
		return fmt.Errorf("failed to react to comment %d in %s: %w", commentID, repo.FullName(), err)
	}
	return nil
}

func (i *Installation) PullHead(ctx context.Context, repo Repo, number int) (PullHead, error) {
	pr, _, err := i.client.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return PullHead{}, fmt.Errorf("failed to read PR %s#%d: %w", repo.FullName(), number, err)
	}
	return PullHead{
		SHA: pr.GetHead().GetSHA(), Ref: pr.GetHead().GetRef(),
		State: pr.GetState(), Merged: pr.GetMerged(), Draft: pr.GetDraft(),
		HeadRepo: pr.GetHead().GetRepo().GetFullName(), BaseRepo: pr.GetBase().GetRepo().GetFullName(), BaseRef: pr.GetBase().GetRef(),
		Mergeable: pr.Mergeable, MergeableState: pr.GetMergeableState(),
	}, nil
}

func (i *Installation) Reviews(ctx context.Context, repo Repo, number int) ([]Review, error) {
	var out []Review
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := i.client.PullRequests.ListReviews(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("failed to list the reviews of %s#%d: %w", repo.FullName(), number, err)
		}
		for _, r := range page {
			out = append(out, Review{User: r.GetUser().GetLogin(), State: r.GetState(), CommitID: r.GetCommitID()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func (i *Installation) Comments(ctx context.Context, repo Repo, number int) ([]IssueComment, error) {
	var out []IssueComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := i.client.Issues.ListComments(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("failed to list the comments of %s#%d: %w", repo.FullName(), number, err)
		}
		for _, c := range page {
			out = append(out, IssueComment{ID: c.GetID(), Author: c.GetUser().GetLogin(), Body: c.GetBody(), NodeID: c.GetNodeID()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func (i *Installation) GitCredentials(ctx context.Context) (string, string, error) {
	return i.creds(ctx)
}
