package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/config"
)

// echoLevel is the role a person needs for Rigel to quote back the lines it could not run
// (with "did you mean"). Below it, a fixed line answers: see refusals.
const echoLevel = "read"

// refusals is the one reply to everything of a comment Rigel does not run: the lines it cannot
// run (bad: unknown verbs, unreadable lines), the command lines past MaxCommands (dropped), and
// those over the rate limit (limited; told only when tell). "" when there is nothing to say.
func (r *Runner) refusals(ctx context.Context, gh GitHub, req Request, bad []line, dropped, limited int, tell bool) string {
	var parts []string
	if len(bad) > 0 {
		if r.mayEcho(ctx, gh, req) {
			parts = append(parts, badLinesReply(r.verbNames(), bad))
		} else {
			// A person without read gets no echo of what they typed: quoting it would let anyone
			// make Rigel write text of their choosing (hidden markers, links, mentions) in its
			// own name. They still learn that the comment was read and that nothing ran; the
			// answer is one fixed line per comment, and the rate limit bounds the comments.
			msg := "❌ A line of this comment is not a Rigel command; nothing was done."
			if len(bad) > 1 {
				msg = fmt.Sprintf("❌ %d lines of this comment are not Rigel commands; nothing was done.", len(bad))
			}
			parts = append(parts, msg)
		}
	}
	if dropped > 0 {
		parts = append(parts, fmt.Sprintf("❌ This comment holds %d commands, and Rigel runs at most %d per comment: the last %d did not run. Split them over several comments.",
			MaxCommands+dropped, MaxCommands, dropped))
	}
	if limited > 0 && tell {
		parts = append(parts, fmt.Sprintf("⏳ @%s, Rigel runs at most %d commands a minute for each person in a repository, so %d command%s of this comment did not run. Wait a minute and type %s again; until then, commands over the limit are dropped without a reply.",
			req.Author, r.Rate.Limit(), limited, plural(limited), map[bool]string{true: "it", false: "them"}[limited == 1]))
	}
	return strings.Join(parts, "\n\n")
}

// mayEcho says whether the author may see the lines Rigel could not run quoted back: their
// role is asked from GitHub; when it cannot be learnt, nothing is quoted.
func (r *Runner) mayEcho(ctx context.Context, gh GitHub, req Request) bool {
	have, err := gh.Permission(ctx, req.Repo, req.Author)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("failed to check the permission of the author of unknown commands; not quoting them")
		return false
	}
	return config.LevelRank(have) >= config.LevelRank(echoLevel)
}

func (r *Runner) verbNames() []string {
	verbs := r.verbs()
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	return names
}

// badLinesReply quotes the lines Rigel could not run, each with what was wrong: one line
// alone as the reply to it, several as a list.
func badLinesReply(names []string, bad []line) string {
	if len(bad) == 1 {
		msg, hint, _ := badLine(names, bad[0])
		return errorReply(bad[0].cmd.Line, msg, hint)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "❌ %d lines of this comment are not Rigel commands, and none of them ran:\n\n", len(bad))
	for _, l := range bad {
		msg, hint, suggested := badLine(names, l)
		switch {
		case l.err != nil:
			fmt.Fprintf(&b, "- %s — %s\n", code(short(l.cmd.Line)), inert(msg))
		case suggested:
			fmt.Fprintf(&b, "- %s %s\n", inert(msg), inert(hint))
		default:
			fmt.Fprintf(&b, "- %s\n", inert(msg))
		}
	}
	b.WriteString("\nType `/rigel help` for the commands.")
	return b.String()
}

// badLine says what is wrong with a line Rigel cannot run, and what to type instead;
// suggested: the hint names a command close to the one typed.
func badLine(names []string, l line) (msg, hint string, suggested bool) {
	if l.err != nil {
		return l.err.Error() + ".", "Type `/rigel help` for the commands.", false
	}
	cmd := l.cmd
	if s := suggest(cmd.Verb, names); s != "" {
		return fmt.Sprintf("%s is not a Rigel command. Did you mean `%s`?", code(short(cmd.Verb)), s),
			fmt.Sprintf("Type %s again as %s, or `/rigel help` for all commands.", code(short(cmd.Verb)), code("/rigel "+s+restOf(cmd))), true
	}
	return fmt.Sprintf("%s is not a Rigel command.", code(short(cmd.Verb))), "Type `/rigel help` for the commands.", false
}
