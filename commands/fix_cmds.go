package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/words"
)

const fixUsage = "`fix` takes a workload and, optionally, what to set: `/rigel fix deploy/web -n shop` (Rigel looks at its pods and proposes a fix), or `/rigel fix deploy/web -n shop set memory=512Mi` (also `image=nginx:1.27`, `cpu=500m`, `replicas=3`, `env.LOG_LEVEL=debug`; `--container NAME` when there are several)."

func runFix(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("namespace", "container"); err != nil {
		return "", err
	}
	if len(c.cmd.Args) == 0 {
		return "", userErrorf("%s", fixUsage)
	}
	ref, err := c.workloadArg(c.cmd.Args[0])
	if err != nil {
		return "", err
	}
	edits, explicit, err := c.fixEdits()
	if err != nil {
		return "", err
	}
	req := ops.FixRequest{Workload: ref, Bot: c.r.BotLogin, PullBody: words.FixPull, Words: c.req.Body, FollowUp: c.req.FollowUp} // the words go to the model only, redacted and bounded (ops/fix_model.go)
	if explicit {
		req.Edits = edits
	}
	out, err := c.r.Ops.ProposeFix(ctx, c.opsCall(), req)
	if msg, ok := words.FixRefusal(err, c.cmd.Line); ok {
		return "", userErrorf("%s", msg)
	}
	switch {
	case err != nil:
		return "", err
	case out.NoFix != nil && out.Model != nil:
		return renderModelNoFix(ref, out.NoFix, out.Model), nil // fix_model_render.go
	case out.NoFix != nil:
		return renderNoFix(ref, out.NoFix), nil
	case out.Unchanged:
		if out.InPull != nil {
			return renderFixUnchangedInPull(out.Proposal, out.InPull), nil // fix_amend.go
		}
		return renderFixUnchanged(out.Proposal), nil
	case out.Opened:
		return renderFixOpened(out.Proposal, *out.Pull), nil
	case out.Amended:
		return renderFixAmended(out.Proposal, *out.Pull), nil // fix_amend.go
	}
	return renderFixExisting(out.Proposal, *out.Pull), nil
}

// fixEdits reads "set k=v …" after the workload; explicit is false when nothing follows it
// (Rigel diagnoses). The word "set" may be repeated: "set image=x set memory=y".
func (c *call) fixEdits() (edits []fix.Edit, explicit bool, err error) {
	rest := c.cmd.Args[1:]
	container, hasContainer := c.cmd.Flag("container")
	if len(rest) == 0 {
		if hasContainer {
			return nil, false, userErrorf("`--container` goes with `set`, e.g. %s.", code("/rigel fix "+short(c.cmd.Args[0])+" set memory=512Mi --container "+short(container)))
		}
		return nil, false, nil
	}
	if !strings.EqualFold(rest[0], "set") {
		return nil, false, userErrorf("%s is not something `fix` understands after the workload. %s", code(short(rest[0])), fixUsage)
	}
	var pairs []string
	for _, w := range rest[1:] {
		if !strings.EqualFold(w, "set") {
			pairs = append(pairs, w)
		}
	}
	edits, err = fix.ParseSet(pairs)
	var fe *fault.Invalid
	switch {
	case errors.As(err, &fe):
		return nil, false, userErrorf("%s.", strings.TrimSuffix(fe.Msg, "."))
	case err != nil:
		return nil, false, err
	}
	if hasContainer {
		if container == "" {
			return nil, false, userErrorf("`--container` needs a container name, e.g. `--container app`.")
		}
		for i := range edits {
			edits[i].Container = container
		}
	}
	return edits, true, nil
}
