package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// EventKey names what an event is about, so that the same event runs once however often it
// is delivered: GitHub's redeliveries and a signed body replayed under a new delivery id
// share it. issue_comment: the comment id and the action; issues: the issue id and the
// action (and a hash of the body for edits, the sender and the label for labels); pull_request: the repository, the number, the
// head commit and the action; any other event, or a payload without those ids: the delivery
// id ("" when there is none, which nothing can deduplicate).
func EventKey(event, deliveryID string, payload []byte) string {
	var ev struct {
		Action  string `json:"action"`
		Comment *struct {
			ID int64 `json:"id"`
		} `json:"comment"`
		Issue *struct {
			ID   int64  `json:"id"`
			Body string `json:"body"`
		} `json:"issue"`
		Label *struct {
			Name string `json:"name"`
		} `json:"label"`
		Sender *struct {
			ID int64 `json:"id"`
		} `json:"sender"`
		Number      int `json:"number"`
		PullRequest *struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
		Repo *struct {
			ID int64 `json:"id"`
		} `json:"repository"`
	}
	fallback := ""
	if deliveryID != "" {
		fallback = "delivery/" + deliveryID
	}
	if err := json.Unmarshal(payload, &ev); err != nil || ev.Action == "" {
		return fallback
	}
	switch event {
	case "issue_comment":
		if ev.Comment != nil && ev.Comment.ID != 0 {
			return fmt.Sprintf("issue_comment/%d/%s", ev.Comment.ID, ev.Action)
		}
	case "issues":
		if ev.Issue != nil && ev.Issue.ID != 0 {
			if ev.Action == "edited" {
				sum := sha256.Sum256([]byte(ev.Issue.Body))
				return fmt.Sprintf("issues/%d/%s/%s", ev.Issue.ID, ev.Action, hex.EncodeToString(sum[:8]))
			}
			if ev.Action == "labeled" && ev.Label != nil && ev.Sender != nil { // a fix request's label (issue 16)
				return fmt.Sprintf("issues/%d/%s/%d/%s", ev.Issue.ID, ev.Action, ev.Sender.ID, ev.Label.Name)
			}
			return fmt.Sprintf("issues/%d/%s", ev.Issue.ID, ev.Action)
		}
	case "pull_request":
		if ev.PullRequest != nil && ev.Repo != nil && ev.Repo.ID != 0 && ev.Number != 0 && ev.PullRequest.Head.SHA != "" {
			return fmt.Sprintf("pull_request/%d/%d/%s/%s", ev.Repo.ID, ev.Number, ev.PullRequest.Head.SHA, ev.Action)
		}
	}
	return fallback
}
