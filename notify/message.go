package notify

import (
	"fmt"
	"strings"
)

// slackEscaper escapes what Slack's mrkdwn reads as markup of its own (links, mentions such as
// <!channel>): names and failures are text from repositories and the cluster.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes s for a message.
func esc(s string) string { return slackEscaper.Replace(s) }

// kindWords says what applied a sync, for people ("" a command or the API).
func kindWords(kind string) string {
	switch kind {
	case "rollback":
		return "a rollback"
	case "merge":
		return "apply on merge"
	case "push":
		return "a push"
	}
	return ""
}

// Message is the text of e in a Slack-compatible message (mrkdwn), "" when e is not told
// there (an apply starting, a new leader's check). A summary only: names, a commit, counts.
func Message(e Event) string {
	where := esc(e.Repo.FullName())
	if b := strings.TrimPrefix(e.Ref, "refs/heads/"); b != "" {
		where += ", " + esc(b)
	}
	at := "`" + esc(shortSHA(e.Commit)) + "`"
	var by []string
	if e.Author != "" {
		by = append(by, "asked by "+esc(e.Author))
	}
	if w := kindWords(e.SyncKind); w != "" {
		by = append(by, "by "+w)
	}
	tail := ""
	if len(by) > 0 {
		tail = " (" + strings.Join(by, ", ") + ")"
	}
	name := "*" + esc(e.Deployment) + "*"
	switch e.Kind {
	case Applied:
		icon, what := ":white_check_mark:", "applied"
		switch {
		case e.Status == statusUnhealthy:
			icon, what = ":warning:", "applied (unhealthy)"
		case !e.succeeded():
			icon, what = ":x:", "applied with failures"
		}
		pruned := ""
		if e.Pruned+e.PruneFailed > 0 {
			pruned = fmt.Sprintf(" Pruned %d, %d not deleted.", e.Pruned, e.PruneFailed)
		}
		return fmt.Sprintf("%s Rigel %s %s at %s [%s]%s: %s.%s", icon, what, name, at, where, tail, esc(e.Summary), pruned)
	case Failed:
		return fmt.Sprintf(":x: Rigel failed to apply %s at %s [%s]%s: %s", name, at, where, tail, esc(Redact(e.Summary)))
	case Drifted:
		return fmt.Sprintf(":large_orange_diamond: %s drifted from %s [%s]: %s. Nothing was applied; `/rigel sync %s` previews the way back.", name, at, where, esc(strings.TrimSpace(strings.TrimPrefix(e.Summary, driftPrefix))), esc(e.Deployment))
	case DriftGone:
		return fmt.Sprintf(":large_green_circle: %s is in sync again with %s [%s].", name, at, where)
	}
	return ""
}

// statusOf is the GitHub deployment status of e: its state and description.
func statusOf(e Event) (state, desc string) {
	at := shortSHA(e.Commit)
	switch e.Kind {
	case Applying:
		d := "applying " + at
		if w := kindWords(e.SyncKind); w != "" {
			d += " (" + w + ")"
		}
		return "in_progress", d
	case Applied:
		switch {
		case e.succeeded():
			return "success", "applied " + at + ": " + e.Summary
		case e.Status == statusUnhealthy:
			return "failure", "unhealthy after applying " + at + ": " + e.Summary
		}
		return "failure", "applied " + at + " with failures: " + e.Summary
	case Failed:
		return "error", "failed to apply " + at + ": " + Redact(e.Summary)
	case Drifted:
		return "failure", e.Summary + " (" + at + ")"
	case DriftGone, DriftCheck:
		return "success", "in sync again (" + at + ")"
	}
	return "", ""
}
