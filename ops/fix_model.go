package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/gitsrc"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/model"
)

// Advisor is the optional model `/rigel fix` asks when its rules have no fix (model.Client;
// RIGEL_MODEL_URL). Nothing else asks it.
type Advisor interface {
	Name() string
	Ask(ctx context.Context, in model.Context) (*model.Answer, error)
}

// askModel asks s.Model about a workload the rules have no fix for (d has no edits). It
// fetches the deployment's branch (returned, for the fix to be made on), sends the model the
// workload's rendered document, its pods, events, previous runs' log tails and the person's
// words, redacted (package model), and takes its answer only as edits of that workload in the
// vocabulary of `set` (fix.ModelEdits); PlanWith and the policy then verify them as Rigel's own. The diagnosis it
// returns has the model's edits with its findings and reasoning quoted, saying plainly that
// the model proposed them; or, when the model fails or its answer is refused, d with a finding
// that says so and no edits. With no model, it returns d as it is.
func (s *Service) askModel(ctx context.Context, t fixTarget, req FixRequest, d *fix.Diagnosis) (*gitsrc.Snapshot, *fix.Diagnosis, error) {
	if s.Model == nil {
		return nil, d, nil
	}
	name := s.Model.Name()
	log := zerolog.Ctx(ctx).With().Str("model", name).Logger()
	snap, err := s.Fetch(ctx, t.origin, BranchTarget(t.repo.Branch))
	if err != nil {
		return nil, nil, err
	}
	in, err := s.modelContext(ctx, t, req, snap)
	if err != nil {
		return nil, nil, err
	}
	says := func(format string, args ...any) *fix.Diagnosis {
		out := *d
		out.Findings = append(append([]untrusted.Text{}, d.Findings...), untrusted.Textf(format, args...))
		return &out
	}
	a, err := s.Model.Ask(ctx, in)
	var me *model.Error
	switch {
	case errors.As(err, &me):
		log.Warn().Str("kind", me.Kind).Err(err).Msg("the model gave no answer")
		return snap, says("Rigel asked the model %s, which gave no answer it can use (%s): %s. Nothing was changed; `/rigel fix %s set …` proposes an edit you choose.",
			untrusted.Code(name), me.Kind, untrusted.Quote(me.Msg), req.Workload.Kind+"/"+req.Workload.Name+" -n "+req.Workload.Namespace), nil
	case err != nil:
		return nil, nil, fmt.Errorf("failed to ask the model %s: %w", name, err)
	}
	edits, err := fix.ModelEdits(req.Workload, a)
	var inv *fault.Invalid
	switch {
	case errors.As(err, &inv):
		log.Warn().Str("why", inv.Msg).Msg("the model's answer is refused")
		return snap, says("The model %s proposed edits Rigel refuses: %s. Nothing was changed. Its reasoning, quoted: %s",
			untrusted.Code(name), untrusted.Own(inv.Msg), quoteLong(a.Reasoning)), nil
	case err != nil:
		return nil, nil, err
	case len(edits) == 0:
		log.Info().Msg("the model has no fix")
		return snap, says("Rigel asked the model %s, which proposes no edit. Its reasoning, quoted: %s", untrusted.Code(name), quoteLong(a.Reasoning)), nil
	}
	out := &fix.Diagnosis{Findings: append([]untrusted.Text{}, d.Findings...), Edits: edits, Rule: fmt.Sprintf(fix.RuleModel, untrusted.MarkdownCode(name))}
	out.Findings = append(out.Findings, untrusted.Textf("Rigel's rules have no fix for this, so it asked the model %s. The diagnosis below is the model's, not Rigel's. Its reasoning, quoted: %s", untrusted.Code(name), quoteLong(a.Reasoning)))
	for _, f := range a.Findings {
		out.Findings = append(out.Findings, untrusted.Textf("The model says: %s", quoteLong(f)))
	}
	log.Info().Int("edits", len(edits)).Msg("the model proposes edits")
	return snap, out, nil
}

// modelContext is what the model is told: the workload's document as its folder renders it,
// its pods and events, and the person's words, with every secret Rigel holds for the call
// listed to be withheld (the git token of the origin, the model's own key is never in it).
func (s *Service) modelContext(ctx context.Context, t fixTarget, req FixRequest, snap *gitsrc.Snapshot) (model.Context, error) {
	ref := req.Workload
	in := model.Context{Workload: model.Target{Kind: ref.Kind, Name: ref.Name, Namespace: ref.Namespace}, Request: req.Words}
	opts, err := s.fixRenderOptions(ctx, snap, t.dep)
	if err != nil {
		return in, err
	}
	manifest, err := fix.WorkloadManifest(snap, t.dep.Path, ref, opts)
	var pe *fix.PlaceError
	switch {
	case errors.As(err, &pe):
		return in, &CannotPlace{Deployment: t.dep, Branch: t.repo.Branch, Base: snap.Commit, Msg: pe.Msg}
	case err != nil:
		return in, err
	}
	in.Manifest = manifest
	st, err := s.Workloads.WorkloadState(ctx, ref)
	if err != nil {
		return in, fmt.Errorf("failed to read %s for the model: %w", ref, err)
	}
	in.Status = podStatus(st.Pods)
	for _, e := range st.Events {
		in.Events = append(in.Events, fmt.Sprintf("%s %s %s (%d×): %s", e.Type, e.Reason, e.InvolvedObject.FieldPath, max(e.Count, 1), e.Message))
	}
	var logs strings.Builder // the previous runs' tails the diagnosis read (kube: masked already)
	for _, l := range st.Logs {
		if l.Tail != "" {
			fmt.Fprintf(&logs, "== pod %s, container %s, previous run:\n%s\n", l.Pod, l.Container, l.Tail)
		}
	}
	in.Logs = logs.String()
	if s.Running != nil {
		in.Secrets = append(in.Secrets, s.Running.SecretValues()...)
	}
	if t.origin.Creds != nil {
		if user, pass, err := t.origin.Creds(ctx); err == nil {
			in.Secrets = append(in.Secrets, user, pass)
		}
	}
	return in, nil
}

// podStatus says each pod's phase and each container's state, one line each.
func podStatus(pods []corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "pod %s: %s", p.Name, p.Status.Phase)
		for _, c := range p.Status.Conditions {
			if c.Status != corev1.ConditionTrue && c.Reason != "" {
				fmt.Fprintf(&b, "; %s %s: %s", c.Type, c.Reason, c.Message)
			}
		}
		b.WriteString("\n")
		for _, cs := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, "  container %s: ready %t, %d restarts, %s", cs.Name, cs.Ready, cs.RestartCount, stateOf(cs.State))
			if cs.LastTerminationState.Terminated != nil {
				fmt.Fprintf(&b, "; last run %s", stateOf(cs.LastTerminationState))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func stateOf(s corev1.ContainerState) string {
	switch {
	case s.Waiting != nil:
		return fmt.Sprintf("waiting (%s: %s)", s.Waiting.Reason, s.Waiting.Message)
	case s.Terminated != nil:
		return fmt.Sprintf("terminated (%s, exit code %d: %s)", s.Terminated.Reason, s.Terminated.ExitCode, s.Terminated.Message)
	case s.Running != nil:
		return "running"
	}
	return "unknown"
}

// quoteLong quotes a model's text whole (model.Answer bounds it) as pieces of at most
// untrusted.MaxQuote characters, cut between words where it can.
func quoteLong(s string) untrusted.Text {
	out := untrusted.Own("")
	rs := []rune(strings.Join(strings.Fields(s), " "))
	for len(rs) > 0 {
		n := min(len(rs), untrusted.MaxQuote)
		if n < len(rs) {
			for i := n; i > n/2; i-- {
				if rs[i] == ' ' {
					n = i + 1
					break
				}
			}
		}
		out = untrusted.Textf("%s%s", out, untrusted.Quote(string(rs[:n])))
		rs = rs[n:]
	}
	return out
}
