package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// conversation is an issue or pull request in which octocat talks to Rigel.
type conversation struct {
	gh     *testenv.GitHub
	git    *testenv.GitServer
	hook   string
	repo   string
	number int
	isPR   bool
}

func (c *conversation) botReplies() []testenv.Comment {
	var out []testenv.Comment
	for _, cm := range c.gh.Comments(c.repo, c.number) {
		if strings.HasSuffix(cm.User, "[bot]") {
			out = append(out, cm)
		}
	}
	return out
}

// say posts a command as a signed issue_comment webhook, waits for the answer and prints both.
func (c *conversation) say(cmd string) error {
	before := len(c.botReplies())
	fmt.Printf("\n\033[36m👤 octocat:\033[0m %s\n", cmd)
	body := c.gh.CommentEvent(testenv.CommentOpts{Repo: c.repo, DefaultBranch: "main", CloneURL: c.git.CloneURL(c.repo),
		Issue: c.number, IsPull: c.isPR, Body: cmd, User: "octocat", UserType: "User", InstallationID: c.gh.InstallationID})
	resp, err := testenv.PostWebhook(c.hook, secret, "issue_comment", body)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(c.botReplies()) <= before {
		if time.Now().After(deadline) {
			return fmt.Errorf("no reply to %q after 2 minutes", cmd)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	for _, r := range c.botReplies()[before:] {
		fmt.Printf("\033[35m🤖 %s:\033[0m\n%s\n", r.User, indent(readable(r.Body)))
	}
	return nil
}

var (
	htmlComment = regexp.MustCompile(`(?s)<!--.*?-->\n?`)
	summary     = regexp.MustCompile(`<details(?: open)?><summary>(.*?)</summary>`)
	tags        = regexp.MustCompile(`</?(code|sub|details)>`)
	bold        = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
)

// readable turns a comment's markdown into what a person sees on GitHub, for a terminal.
func readable(md string) string {
	s := htmlComment.ReplaceAllString(md, "")
	s = summary.ReplaceAllString(s, "▸ $1")
	s = strings.ReplaceAll(s, "<code>", "`")
	s = strings.ReplaceAll(s, "</code>", "`")
	s = tags.ReplaceAllString(s, "")
	s = bold.ReplaceAllString(s, "$1")
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s)
}

func indent(s string) string {
	return "   " + strings.ReplaceAll(s, "\n", "\n   ")
}
