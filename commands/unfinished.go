package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/replica"
)

// ReportUnfinished is how the leader's sweeper (replica.Sweeper.Report) tells a conversation
// that a command's replica went away before it finished: a comment, answered with the
// installation's GitHub (forge).
func (r *Runner) ReportUnfinished(forge func(installation int64) (GitHub, error)) func(context.Context, replica.Unfinished) error {
	return func(ctx context.Context, u replica.Unfinished) error {
		gh, err := forge(u.Installation)
		if err != nil {
			return err
		}
		repo := Repo{Owner: u.Owner(), Name: u.Name(), Installation: u.Installation}
		// Sealed like every reply: no text in it can open an HTML comment or carry a marker.
		_, err = gh.Comment(ctx, repo, u.Number, seal(r.MarkerKey, conversation{Repo: repo.FullName(), Number: u.Number}, unfinishedReply(u)))
		return err
	}
}

// unfinishedReply tells a conversation that a command's replica went away before it
// finished, and what the registry now holds about an interrupted apply.
func unfinishedReply(u replica.Unfinished) string {
	var b strings.Builder
	fmt.Fprintf(&b, "⚠️ Rigel stopped before %s finished (the replica %s running it went away at %s). Nothing after that point ran; check `/rigel list` and run it again.",
		code(short(u.Command)), code(u.Replica), u.LastSeen.UTC().Format("15:04:05 UTC, Jan 2"))
	if u.Applying() {
		fmt.Fprintf(&b, "\n\nIt was applying %s at %s, so some objects may have changed and others not.", code(u.Deployment), code(shortSHA(u.Commit)))
		switch {
		case u.Recorded:
			b.WriteString(" The registry now records that sync as Failed.")
		case u.RecordErr != nil:
			fmt.Fprintf(&b, " Rigel could not record that in %s: %v.", config.SourcesConfigMap, u.RecordErr)
		}
		fmt.Fprintf(&b, " %s shows where the cluster stands.", code("/rigel diff "+u.Deployment))
	}
	return b.String()
}
