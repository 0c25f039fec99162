package githubclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// ErrCommentTooLong is returned for a body longer than GitHub takes (MaxComment characters);
// nothing was sent.
var ErrCommentTooLong = errors.New("comment body is longer than GitHub allows")

// EditComment replaces the body of comment id (one of Rigel's: GitHub lets an app edit only
// its own comments) and returns the comment as GitHub now holds it. Editing is idempotent: the
// same body sent twice leaves the same comment.
func (i *Installation) EditComment(ctx context.Context, repo Repo, id int64, body string) (IssueComment, error) {
	if n := utf8.RuneCountInString(body); n > MaxComment {
		return IssueComment{}, fmt.Errorf("failed to edit comment %d in %s: %w (%d characters, at most %d)", id, repo.FullName(), ErrCommentTooLong, n, MaxComment)
	}
	c, _, err := i.client.Issues.EditComment(ctx, repo.Owner, repo.Name, id, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return IssueComment{}, fmt.Errorf("failed to edit comment %d in %s: %w", id, repo.FullName(), err)
	}
	return commentOf(c), nil
}

// ReadComment reads comment id of repo (for its node_id when only its id is known).
func (i *Installation) ReadComment(ctx context.Context, repo Repo, id int64) (IssueComment, error) {
	c, _, err := i.client.Issues.GetComment(ctx, repo.Owner, repo.Name, id)
	if err != nil {
		return IssueComment{}, fmt.Errorf("failed to read comment %d in %s: %w", id, repo.FullName(), err)
	}
	return commentOf(c), nil
}

func commentOf(c *github.IssueComment) IssueComment {
	return IssueComment{ID: c.GetID(), Author: c.GetUser().GetLogin(), Body: c.GetBody(), NodeID: c.GetNodeID()}
}

// The GraphQL mutations that hide and show a comment (GitHub's REST API cannot), checked
// against ../shared/github/graphql-minimize-comment.graphql by the fake GitHub.
const (
	minimizeMutation = `mutation($input: MinimizeCommentInput!) {
  minimizeComment(input: $input) { minimizedComment { isMinimized minimizedReason } }
}`
	unminimizeMutation = `mutation($input: UnminimizeCommentInput!) {
  unminimizeComment(input: $input) { unminimizedComment { isMinimized } }
}`
)

// MinimizeComment hides comment nodeID (an IssueComment's NodeID) as outdated, as people do
// with "Hide → Outdated": a preview a new head made stale. Hiding a hidden comment again is
// harmless.
func (i *Installation) MinimizeComment(ctx context.Context, repo Repo, nodeID string) error {
	var out struct {
		MinimizeComment *struct {
			MinimizedComment *struct {
				IsMinimized bool `json:"isMinimized"`
			} `json:"minimizedComment"`
		} `json:"minimizeComment"`
	}
	input := map[string]any{"subjectId": nodeID, "classifier": "OUTDATED"}
	if err := i.graphQL(ctx, minimizeMutation, map[string]any{"input": input}, &out); err != nil {
		return fmt.Errorf("failed to hide comment %s in %s as outdated: %w", nodeID, repo.FullName(), err)
	}
	if out.MinimizeComment == nil || out.MinimizeComment.MinimizedComment == nil || !out.MinimizeComment.MinimizedComment.IsMinimized {
		return fmt.Errorf("failed to hide comment %s in %s as outdated: GitHub answered without hiding it", nodeID, repo.FullName())
	}
	return nil
}

// UnminimizeComment shows comment nodeID again.
func (i *Installation) UnminimizeComment(ctx context.Context, repo Repo, nodeID string) error {
	var out struct {
		UnminimizeComment *struct {
			UnminimizedComment *struct {
				IsMinimized bool `json:"isMinimized"`
			} `json:"unminimizedComment"`
		} `json:"unminimizeComment"`
	}
	if err := i.graphQL(ctx, unminimizeMutation, map[string]any{"input": map[string]any{"subjectId": nodeID}}, &out); err != nil {
		return fmt.Errorf("failed to show comment %s in %s again: %w", nodeID, repo.FullName(), err)
	}
	if out.UnminimizeComment == nil || out.UnminimizeComment.UnminimizedComment == nil || out.UnminimizeComment.UnminimizedComment.IsMinimized {
		return fmt.Errorf("failed to show comment %s in %s again: GitHub answered without showing it", nodeID, repo.FullName())
	}
	return nil
}

// GraphQLError is an answer of GitHub's GraphQL API that carries errors (with status 200).
type GraphQLError struct {
	Messages []string
	Types    []string // e.g. NOT_FOUND, FORBIDDEN; "" when GitHub gives none
}

func (e *GraphQLError) Error() string {
	return "GitHub GraphQL error: " + strings.Join(e.Messages, "; ")
}

// graphQL posts query with variables to the GraphQL endpoint (graphqlURL) and decodes the
// answer's data into out.
func (i *Installation) graphQL(ctx context.Context, query string, variables map[string]any, out any) error {
	endpoint := graphqlURL(i.client.BaseURL)
	req, err := i.client.NewRequest("POST", endpoint, map[string]any{"query": query, "variables": variables})
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		} `json:"errors"`
	}
	if _, err := i.client.Do(ctx, req, &resp); err != nil {
		return err
	}
	if len(resp.Errors) > 0 {
		ge := &GraphQLError{}
		for _, e := range resp.Errors {
			ge.Messages = append(ge.Messages, e.Message)
			ge.Types = append(ge.Types, e.Type)
		}
		return ge
	}
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return fmt.Errorf("GitHub's GraphQL answer has no data")
	}
	return json.Unmarshal(resp.Data, out)
}

// graphqlURL is the GraphQL endpoint of the REST API at base: https://api.github.com/graphql
// for https://api.github.com/, https://HOST/api/graphql for GitHub Enterprise's
// https://HOST/api/v3/.
func graphqlURL(base *url.URL) string {
	u := *base
	if strings.HasSuffix(u.Path, "/api/v3/") {
		u.Path = strings.TrimSuffix(u.Path, "v3/") + "graphql"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	u.RawPath = ""
	return u.String()
}
