package commands

import (
	"context"
	"errors"
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/replica"
)

// Runner runs the commands of a request and replies in the conversation.
type Runner struct {
	Ops *ops.Service // what the commands do; the runner parses, authorizes, runs and replies

	BotLogin string         // the login Rigel comments as; only its plan markers are trusted
	Metrics  CommandCounter // told how each command ended, for metrics; nil: nothing is counted

	// Leases record running commands so the leader can report those a dying replica left
	// unfinished (replica.Leases.StartRecord; the same Leases lock deployments as the
	// service's Locker). nil: commands run unrecorded, for tests of the runner alone.
	Leases *replica.Leases

	// MarkerKey signs and verifies the hidden markers of Rigel's comments (markers.go). Empty:
	// a random key of this process (markers then do not survive a restart).
	MarkerKey []byte
	// Rate bounds the commands one person runs in one repository (ratelimit.go); nil: no bound.
	Rate *RateLimiter

	// Pull requests that preview themselves (autoplan.go, living.go, checks.go; issue 11).
	WebURL         string       // GitHub's web address, for links to comments; "": no links
	CommitStatuses bool         // token mode: commit statuses stand in for check runs
	autoplans      autoplanRuns // the autoplans running in this replica, by pull request

	// Push-triggered sync (issue 12, apply_on_push.go): the commits each deployment was judged
	// at in this replica, so that the poller does not judge (and report) them again.
	pushed pushMemory
}

// userErrorf refuses a command: the reply says what was wrong and how to fix it (Markdown),
// and nothing was changed.
func userErrorf(format string, args ...any) error {
	return &fault.Invalid{Msg: fmt.Sprintf(format, args...)}
}

// refusal is err worded for a reply when it refuses the command (words.Refusal, with the
// hints of slash commands); ok is false for a failure.
func refusal(err error) (msg string, ok bool) {
	if err == nil {
		return "", false
	}
	return words.Refusal(err, commentHints)
}

// call is one command being run.
type call struct {
	r   *Runner
	gh  GitHub
	req Request
	cmd Command
	rec ops.Recorder // the command's record (package replica); nil: unrecorded
}

// opsCall is who runs the command, and where, as the service takes it.
func (c *call) opsCall() ops.Call {
	return ops.Call{Repo: c.req.Repo, Number: c.req.Number, IsPR: c.req.IsPR, Author: c.req.Author, Forge: c.gh, Holder: c.holder(), Record: c.rec}
}

type verb struct {
	name    string
	usage   string
	summary string
	run     func(ctx context.Context, c *call) (string, error)
}

func (r *Runner) verbs() []verb {
	return []verb{
		{"help", "/rigel help", "this list", runHelp},
		{"list", "/rigel list", "the deployments of this repo and their last sync", runList},
		{"add-deployment", "/rigel add-deployment [PATH] [--name NAME] [--namespaces NS,…] [--values FILE,…] [--release NAME] [--namespace NS] [--set-file KEY=FILE,…] [--tla NAME=VALUE]… [--ext-var NAME=VALUE]… [--jsonnet-lib FOLDER]…", "register a manifest folder or a Helm chart, with the chart's values files or the jsonnet files' arguments (without PATH: list the folders that hold manifests or charts)", runAddDeployment},
		{"remove-deployment", "/rigel remove-deployment NAME", "forget a deployment (its inventory goes; the objects it applied stay)", runRemoveDeployment},
		{"link", "/rigel link KIND/NAME [-n NS] DEPLOYMENT [--force]", "mark an existing Deployment, StatefulSet or DaemonSet as part of a deployment (annotations only, nothing is rolled out)", runLink},
		{"unlink", "/rigel unlink KIND/NAME [-n NS]", "remove that mark from a workload", runUnlink},
		{"fix", "/rigel fix KIND/NAME [-n NS] [set FIELD=VALUE…] [--container NAME]", "look at a workload's pods and open a pull request that fixes its manifest (or set `image`, `memory`, `cpu`, `replicas`, `env.NAME`); nothing is applied", runFix},
		{"diff", "/rigel diff [NAME…|--all]", "show what applying the folder would change in the cluster", runDiff},
		{"sync", "/rigel sync [NAME…|--all]", "the same preview, and arm `/rigel apply` for exactly that commit", runSync},
		{"apply", "/rigel apply [NAME…|--all] [--force] [--prune]", "apply exactly what the last `/rigel sync` previewed (`--force`: also objects Argo CD or Flux manage; `--prune`: also delete the objects it listed as orphaned)", runApply},
		{"rollback", "/rigel rollback NAME [COMMIT]", "preview the previous successful sync of a deployment (or COMMIT of its history) and arm `/rigel apply` for it; typed in an issue", runRollback},
		{"history", "/rigel history NAME", "the syncs of a deployment the registry keeps, newest first, with the rollback to type", runHistory},
		{"unlock", "/rigel unlock [NAME…|--all]", "give back the deployments this pull request holds (a `/rigel sync` in a pull request holds them until it is merged or closed)", runUnlock},
		{"policy", "/rigel policy [NAME…|--all]", "show what a deployment's policy lets it apply (cluster admins set it)", runPolicy},
	}
}

// Handle runs the commands of a request, in order, each answered by its own comment. At most
// MaxCommands of a comment run, and only as many as the author's rate limit admits. The lines
// Rigel cannot run (unknown verbs, unreadable lines), the commands past MaxCommands and those
// over the rate limit are answered together in one reply, where the first such line stands
// (or at the end); none of them gets a record. It returns an error only when replying failed.
func (r *Runner) Handle(ctx context.Context, gh GitHub, req Request) error {
	log := zerolog.Ctx(ctx)
	cmds, parseErrs, dropped := ParseComment(req.Body)
	if len(cmds) == 0 {
		return nil
	}
	admitted, tell := r.Rate.Admit(rateKeyOf(req), len(cmds), time.Now())
	if admitted < len(cmds) {
		log.Warn().Int("commands", len(cmds)+dropped).Int("admitted", admitted).Int("rate_limit", r.Rate.Limit()).Bool("told", tell).
			Msg("commands over the rate limit were dropped")
		if admitted == 0 && !tell {
			return nil // told once in this window already: dropped without a reply
		}
	}
	if req.CommentID != 0 {
		if err := gh.React(ctx, req.Repo, req.CommentID, "eyes"); err != nil {
			log.Warn().Err(err).Msg("failed to react to comment")
		}
	}
	lines := make([]line, len(cmds))
	for i, cmd := range cmds {
		lines[i].cmd = cmd
		if cmd.Verb == errorVerb {
			lines[i].err, parseErrs = parseErrs[0], parseErrs[1:]
		}
	}
	var bad []line // the admitted lines Rigel cannot run
	for _, l := range lines[:admitted] {
		if l.err != nil || r.verb(l.cmd.Verb) == nil {
			bad = append(bad, l)
			r.observeCommand(l.cmd.Verb, outcomeRefused)
		}
	}
	refusals := r.refusals(ctx, gh, req, bad, dropped, len(cmds)-admitted, tell)
	allOK := refusals == "" // every line of the comment ran, and did what it asked (below)

	var errs []error
	post := func(ctx context.Context, what, body string) {
		rctx, cancel := replyContext(ctx) // a command cut short still says so
		defer cancel()
		for _, part := range splitComment(r.seal(req, body)) {
			if _, err := gh.Comment(rctx, req.Repo, req.Number, part); err != nil {
				errs = append(errs, fmt.Errorf("failed to reply to %q on %s#%d: %w", short(what), req.Repo.FullName(), req.Number, err))
				return
			}
		}
	}
	for i, l := range lines[:admitted] {
		if l.err != nil || r.verb(l.cmd.Verb) == nil {
			if refusals != "" {
				post(ctx, l.cmd.Line, refusals)
				refusals = ""
			}
			continue
		}
		body, cctx, rec, ok := r.runOne(ctx, gh, req, l.cmd, i)
		post(cctx, l.cmd.Line, body)
		rec.Finish(ctx)
		allOK = allOK && ok
	}
	if refusals != "" {
		post(ctx, "the commands of the comment", refusals)
	}
	r.reactOutcome(ctx, gh, req, allOK && len(errs) == 0)
	return errors.Join(errs...)
}

// reactOutcome follows the 👀 of a command's comment with its outcome: 🚀 when every command of
// the comment did what it asked, 😕 when one was refused, failed, was cut short or did not run.
// (GitHub's REST API Rigel uses cannot take the 👀 back; both stay.)
func (r *Runner) reactOutcome(ctx context.Context, gh GitHub, req Request, ok bool) {
	if req.CommentID == 0 {
		return
	}
	content := "confused"
	if ok {
		content = "rocket"
	}
	if err := gh.React(ctx, req.Repo, req.CommentID, content); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("reaction", content).Msg("failed to react to comment")
	}
}

// line is a command line of a comment, or one that could not be parsed (err).
type line struct {
	cmd Command
	err error
}

// rateKeyOf is whose commands a request holds, for the rate limit: a person in a repository.
func rateKeyOf(req Request) string {
	return strings.ToLower(req.Author) + " " + strings.ToLower(req.Repo.FullName())
}

// verb is the known verb named name ("" is help), nil when there is none.
func (r *Runner) verb(name string) *verb {
	if name == "" {
		name = "help" // a bare "/rigel" answers with the help
	}
	for _, v := range r.verbs() {
		if v.name == name {
			return &v
		}
	}
	return nil
}

// runOne runs a known command. Its record (a Lease) is written only once the author is
// authorized; the returned context is the one the command ran under (its reply is posted
// with it), rec its record to finish once the reply is posted, ok whether it did what was
// asked (not refused, not failed, not cut short).
func (r *Runner) runOne(ctx context.Context, gh GitHub, req Request, cmd Command, index int) (body string, cctx context.Context, rec *replica.Record, ok bool) {
	log := zerolog.Ctx(ctx).With().Str("verb", cmd.Verb).Logger()
	outcome := outcomeError
	cctx = ctx
	defer func() {
		if p := recover(); p != nil { // a bug must not leave the person without an answer
			log.Error().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("command panicked")
			body, ok = failureReply(cmd.Line, fmt.Errorf("an internal error stopped the command")), false
		}
		r.observeCommand(cmd.Verb, outcome)
	}()
	ctx = log.WithContext(ctx)
	ctx, seen := noteDeployments(ctx)
	log = log.Hook(seen) // the summary lines below name the deployments; the lines inside already do
	v := r.verb(cmd.Verb)
	if v == nil {
		return failureReply(cmd.Line, fmt.Errorf("%s is not a Rigel command", code(short(cmd.Verb)))), cctx, nil, false
	}
	start := time.Now()
	c := &call{r: r, gh: gh, req: req, cmd: cmd}
	err := c.authorize(ctx)
	if err == nil {
		ctx, rec = r.Leases.StartRecord(ctx, c.holder(), index)
		if rec != nil {
			c.rec = rec
		}
		cctx = ctx
		body, err = v.run(ctx, c)
	}
	if stopped := stoppedReply(ctx, cmd.Line, err); err != nil && stopped != "" {
		log.Warn().Err(err).AnErr("cause", context.Cause(ctx)).Str("outcome", "stopped").Msg("command cut short")
		return stopped, cctx, rec, false
	}
	if msg, ok := refusal(err); ok {
		log.Info().Str("outcome", "refused").Str("reason", msg).Msg("command refused")
		outcome = outcomeRefused
		return errorReply(cmd.Line, msg, ""), cctx, rec, false
	}
	switch {
	case err != nil:
		log.Error().Err(err).Str("outcome", "error").Msg("command failed")
		return failureReply(cmd.Line, err), cctx, rec, false
	}
	log.Info().Str("outcome", "ok").Dur("took", time.Since(start)).Msg("command done")
	outcome = outcomeOK
	return body, cctx, rec, true
}

func restOf(cmd Command) string {
	var b strings.Builder
	for _, a := range cmd.Args {
		b.WriteString(" " + a)
	}
	keys := make([]string, 0, len(cmd.Flags))
	for k := range cmd.Flags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if cmd.Flags[k] == "true" && booleanFlags[k] {
			b.WriteString(" --" + k)
		} else {
			b.WriteString(" --" + k + " " + cmd.Flags[k])
		}
	}
	return b.String()
}

// checkFlags refuses flags a verb does not take.
func (c *call) checkFlags(allowed ...string) error {
	for k := range c.cmd.Flags {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			if len(allowed) == 0 {
				return userErrorf("`%s` takes no flags, and %s was given.", c.cmd.Verb, code("--"+short(k)))
			}
			return userErrorf("`%s` does not take %s; it takes `--%s`.", c.cmd.Verb, code("--"+short(k)), strings.Join(allowed, "`, `--"))
		}
	}
	return nil
}
