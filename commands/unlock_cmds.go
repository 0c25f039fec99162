package commands

import (
	"context"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

// The comment adapter of pull requests' holds (ops/pull_holds.go): `/rigel unlock` gives back
// what this pull request holds; `/rigel list` notes who holds each deployment.

// runUnlock gives back this pull request's holds on the deployments named, or (no names,
// or --all) on every deployment it holds.
func runUnlock(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("all"); err != nil {
		return "", err
	}
	var deps []config.Deployment // nil: every deployment this PR holds
	if len(c.cmd.Args) > 0 {
		_, named, err := c.deployments(ctx)
		if err != nil {
			return "", err
		}
		deps = named
	}
	u, err := c.r.Ops.Unlock(ctx, c.opsCall(), deps)
	if err != nil {
		return "", err
	}
	reply := "🔓 " + unlockedWords(u)
	if len(u.Released) > 0 {
		reply += "\n\n**Next:** `/rigel sync " + u.Released[0].Deployment + "` here holds it again."
	}
	return reply, nil
}

// unlockedWords is what /rigel unlock gave back (words.Unlocked).
func unlockedWords(u *ops.Unlocked) string { return words.Unlocked(u) }

// holdLine says that this pull request's sync holds the deployment, and how to give it back.
func holdLine(h *PullHold) string {
	return "🔒 This pull request holds " + code(h.Deployment) + ": until it is merged or closed, it is synced and applied only from here. `/rigel unlock " +
		h.Deployment + "` gives it back sooner."
}

// holdsNote lists who holds the deployments of a listing, "" when no pull request holds any.
func holdsNote(holds []PullHold, deps []config.Deployment) string {
	mine := map[string]bool{}
	for _, d := range deps {
		mine[d.Name] = true
	}
	note := ""
	for _, h := range holds {
		if mine[h.Deployment] {
			note += "- " + code(h.Deployment) + ": " + words.HoldNote(h) + "\n"
		}
	}
	if note == "" {
		return ""
	}
	return "\nHeld by pull requests (synced and applied only from there until merged or closed, or `/rigel unlock` there):\n\n" + note
}
