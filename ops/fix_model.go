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

// ModelVerdict is what came of asking the model, for the reply's first line (the findings
// of the Diagnosis say it in full): Kind is ModelProposed, ModelNoAnswer, ModelRefused or
// ModelNoEdit; Why the model's failure or Rigel's refusal, in Markdown ("" otherwise).
type ModelVerdict struct {
	Name     string
	Kind     string
	Why      untrusted.Text
	FollowUp bool // asked again from a comment in the fix's pull request (fix_model_followup.go)
}

// Kinds of ModelVerdict.
const (
	ModelProposed = "proposed"  // edits Rigel verified next
	ModelNoAnswer = "no answer" // a timeout, a refusal by the model, a malformed answer, an API failure
	ModelRefused  = "refused"   // an answer Rigel refuses (another document, outside the vocabulary, …)
	ModelNoEdit   = "no edit"   // the model proposes nothing
)

// askModel asks s.Model about a workload the rules have no fix for (d has no edits). It
// fetches the deployment's branch (returned, for the fix to be made on) and consults the
// model on it (consult). With no model, it returns d as it is.
func (s *Service) askModel(ctx context.Context, t fixTarget, req FixRequest, d *fix.Diagnosis) (*gitsrc.Snapshot, *fix.Diagnosis, *ModelVerdict, error) {
	if s.Model == nil {
		return nil, d, nil, nil
	}
	snap, err := s.Fetch(ctx, t.origin, BranchTarget(t.repo.Branch))
	if err != nil {
		return nil, nil, nil, err
	}
	d, v, err := s.consult(ctx, t, req, d, snap)
	return snap, d, v, err
}

// consult sends the model the workload's document as snap renders it, its pods, events,
// previous runs' log tails and the person's words, redacted (package model), and takes its
// answer only as edits of that workload in the vocabulary of `set`, or a patch of its own
// document (fix.ModelEdits); PlanWith and the policy then verify them as Rigel's own. The
// diagnosis it returns has the model's edits with its findings and reasoning quoted, saying
// plainly that the model proposed them; or, when the model fails or its answer is refused,
// d with a finding that says so and no edits.
func (s *Service) consult(ctx context.Context, t fixTarget, req FixRequest, d *fix.Diagnosis, snap *gitsrc.Snapshot) (*fix.Diagnosis, *ModelVerdict, error) {
	name := s.Model.Name()
	log := zerolog.Ctx(ctx).With().Str("model", name).Logger()
	in, err := s.modelContext(ctx, t, req, snap)
	if err != nil {
		return nil, nil, err
	}
	v := &ModelVerdict{Name: name, FollowUp: req.FollowUp}
	says := func(kind string, why untrusted.Text, format string, args ...any) (*fix.Diagnosis, *ModelVerdict, error) {
		out := *d
		out.Findings = append(append([]untrusted.Text{}, d.Findings...), untrusted.Textf(format, args...))
		v.Kind, v.Why = kind, why
		return &out, v, nil
	}
	a, err := s.Model.Ask(ctx, in)
	var me *model.Error
	switch {
	case errors.As(err, &me):
		log.Warn().Str("kind", me.Kind).Err(err).Msg("the model gave no answer")
		why := untrusted.Textf("%s: %s", me.Kind, untrusted.Quote(me.Msg))
		return says(ModelNoAnswer, why, "Rigel asked the model %s, which gave no answer it can use (%s): %s.", untrusted.Code(name), me.Kind, untrusted.Quote(me.Msg))
	case err != nil:
		return nil, nil, fmt.Errorf("failed to ask the model %s: %w", name, err)
	}
	edits, err := fix.ModelEdits(req.Workload, a)
	var inv *fault.Invalid
	switch {
	case errors.As(err, &inv):
		log.Warn().Str("why", inv.Msg).Msg("the model's answer is refused")
		return says(ModelRefused, untrusted.Own(inv.Msg), "The model %s proposed a change Rigel refuses: %s. Its reasoning, quoted: %s",
			untrusted.Code(name), untrusted.Own(inv.Msg), quoteLong(a.Reasoning))
	case err != nil:
		return nil, nil, err
	case len(edits) == 0:
		log.Info().Msg("the model has no fix")
		return says(ModelNoEdit, untrusted.Own(""), "Rigel asked the model %s, which proposes no change. Its reasoning, quoted: %s", untrusted.Code(name), quoteLong(a.Reasoning))
	}
	out := &fix.Diagnosis{Findings: append([]untrusted.Text{}, d.Findings...), Edits: edits, Rule: fmt.Sprintf(fix.RuleModel, untrusted.MarkdownCode(name))}
	if fix.IsPatch(edits) {
		out.Rule = fmt.Sprintf(fix.RuleModelPatch, untrusted.MarkdownCode(name))
	}
	asked := "Rigel's rules have no fix for this, so it asked the model %s."
	if req.FollowUp {
		asked = "Rigel asked the model %s again, with the comment's words and this pull request's branch."
	}
	out.Findings = append(out.Findings, untrusted.Textf(asked+" The diagnosis below is the model's, not Rigel's. Its reasoning, quoted: %s", untrusted.Code(name), quoteLong(a.Reasoning)))
	for _, f := range a.Findings {
		out.Findings = append(out.Findings, untrusted.Textf("The model says: %s", quoteLong(f)))
	}
	log.Info().Int("edits", len(edits)).Msg("the model proposes edits")
	v.Kind = ModelProposed
	return out, v, nil
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
