package githubclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"
)

// commentAttempts bounds how often commentOnce posts one comment.
const commentAttempts = 3

// commentRetryDelay is the pause before looking for and reposting a comment whose creation
// failed with an uncertain outcome; doubled each time.
var commentRetryDelay = time.Second

// commentOnce creates a comment at most once. Creating a comment is not idempotent: a 5xx or
// a connection that broke after the request was sent may come after GitHub created it, so
// Retry does not resend it. commentOnce ends the body with a hidden, random marker instead;
// after such a failure it lists the issue's recent comments, and reposts only when none
// carries the marker. A body too long to carry the marker is posted once.
func (i *Installation) commentOnce(ctx context.Context, repo Repo, number int, body string) (int64, error) {
	marker := replyMarker()
	attempts := commentAttempts
	if utf8.RuneCountInString(body)+1+len(marker) <= MaxComment {
		body += "\n" + marker
	} else {
		attempts = 1
	}
	since := time.Now().Add(-5 * time.Minute) // generous: GitHub's clock is not ours
	delay := commentRetryDelay
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			if err := sleepCtx(ctx, delay); err != nil {
				return 0, errors.Join(lastErr, err)
			}
			delay *= 2
			id, err := i.findMarked(ctx, repo, number, marker, since)
			if err != nil {
				// Not knowing whether the comment exists, posting again could post it twice.
				return 0, fmt.Errorf("%w (and could not check whether it was created anyway: %v)", lastErr, err)
			}
			if id != 0 {
				return id, nil
			}
		}
		c, _, err := i.client.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &github.IssueComment{Body: github.String(body)})
		if err == nil {
			return c.GetID(), nil
		}
		lastErr = err
		if !outcomeUnknown(ctx, err) {
			break
		}
	}
	return 0, lastErr
}

// findMarked returns the id of the comment of the issue that carries marker, 0 when none does.
func (i *Installation) findMarked(ctx context.Context, repo Repo, number int, marker string, since time.Time) (int64, error) {
	opts := &github.IssueListCommentsOptions{Since: &since, ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := i.client.Issues.ListComments(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return 0, err
		}
		for _, c := range page {
			if strings.Contains(c.GetBody(), marker) {
				return c.GetID(), nil
			}
		}
		if resp.NextPage == 0 {
			return 0, nil
		}
		opts.Page = resp.NextPage
	}
}

// outcomeUnknown says whether a failed request may have been carried out anyway: a server
// error, or a connection lost after sending.
func outcomeUnknown(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case 500, 502, 503, 504:
			return true
		}
		return false
	}
	var ue *url.Error
	return errors.As(err, &ue) && !notSent(err)
}

// replyMarker is a hidden comment no other comment carries. Unlike the plan markers
// (commands/markers.go) it needs no MAC: it is a random nonce no one knows before the comment
// exists, it is only looked for to find this very post again, and it arms or blocks nothing.
func replyMarker() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "<!-- rigel:reply " + hex.EncodeToString(b) + " -->"
}
