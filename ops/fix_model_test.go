package ops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/model"
)

// fakeModel answers with answer (or err) and keeps what it was told.
type fakeModel struct {
	answer *model.Answer
	err    error
	asked  []model.Context
}

func (m *fakeModel) Name() string { return "tiny-1" }

func (m *fakeModel) Ask(_ context.Context, in model.Context) (*model.Answer, error) {
	m.asked = append(m.asked, in.Redacted())
	return m.answer, m.err
}

func findingsText(d *fix.Diagnosis) string {
	var b strings.Builder
	for _, f := range d.Findings {
		b.WriteString(f.Plain() + "\n")
	}
	return b.String()
}

func TestProposeFixAsksTheModel(t *testing.T) {
	ctx := context.Background()
	forWeb := func(edits ...model.Edit) *model.Answer {
		return &model.Answer{Reasoning: "Two replicas cannot take the load.", Findings: []string{"readiness fails under load"}, Workload: model.Target{Kind: "Deployment", Name: "web", Namespace: "shop"}, Edits: edits}
	}
	world := func(t *testing.T, m *fakeModel, policies map[string]*config.Policy) *fixWorld {
		w := newFixWorld(t, linkedTo("web", "overlays/prod"), policies)
		w.wl.states = map[kube.WorkloadRef]*kube.WorkloadState{shopWeb: {Ref: shopWeb}}
		w.svc.Model = m
		return w
	}
	t.Run("a good answer becomes a verified pull request that says the model proposed it", func(t *testing.T) {
		m := &fakeModel{answer: forWeb(model.Edit{Field: "replicas", Value: "3"})}
		w := world(t, m, nil)
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Words: "web is slow, token ghp_abcdefghijklmnopqrstuvwxyz012345", PullBody: func(*FixProposal) string { return "body" }})
		if err != nil || !out.Opened || len(w.src.pushes) != 1 || len(out.Edits) != 1 || out.Edits[0].String() != "replicas=3" {
			t.Fatalf("outcome %+v, %v", out, err)
		}
		if len(w.src.fetches) != 1 {
			t.Errorf("%d fetches, want the one the model's context was read from", len(w.src.fetches))
		}
		if d := out.Proposal.Diagnosis; !strings.Contains(d.Rule, "proposed by the model `tiny-1`") || !strings.Contains(findingsText(d), "Its reasoning, quoted: Two replicas cannot take the load.") {
			t.Errorf("the diagnosis does not say plainly that the model proposed it: %q\n%s", d.Rule, findingsText(d))
		}
		if !strings.Contains(w.src.pushes[0].Message, "proposed by the model") {
			t.Errorf("commit message: %s", w.src.pushes[0].Message)
		}
		in := m.asked[0]
		if !strings.Contains(in.Manifest, "kind: Deployment") || !strings.Contains(in.Manifest, "replicas: 2") || strings.Contains(in.Request, "ghp_") || !strings.Contains(in.Request, "web is slow") {
			t.Errorf("context %+v", in)
		}
	})
	t.Run("a model that does not answer", func(t *testing.T) {
		m := &fakeModel{err: &model.Error{Model: "tiny-1", Kind: model.Timeout, Msg: "no answer within 1s"}}
		w := world(t, m, nil)
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb})
		if err != nil || out.NoFix == nil || len(w.src.pushes) != 0 || !strings.Contains(findingsText(out.NoFix), "which gave no answer it can use (timeout)") || out.Model == nil || out.Model.Kind != ModelNoAnswer || out.Model.Name != "tiny-1" {
			t.Fatalf("outcome %+v, %v", out, err)
		}
	})
	t.Run("an answer editing another document is refused", func(t *testing.T) {
		a := forWeb(model.Edit{Field: "memory", Value: "1Gi"})
		a.Workload.Name = "db"
		w := world(t, &fakeModel{answer: a}, nil)
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb})
		if err != nil || out.NoFix == nil || len(w.src.pushes) != 0 || !strings.Contains(findingsText(out.NoFix), "another document") || out.Model == nil || out.Model.Kind != ModelRefused {
			t.Fatalf("outcome %+v, %v: %s", out, err, findingsText(out.NoFix))
		}
	})
	t.Run("an answer breaking policy is refused", func(t *testing.T) {
		w := world(t, &fakeModel{answer: forWeb(model.Edit{Field: "replicas", Value: "3"})}, map[string]*config.Policy{"staging": {Namespaces: []string{"elsewhere"}}})
		_, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb})
		var pol *Policy
		if !errors.As(err, &pol) || len(w.src.pushes) != 0 || len(w.forge.opened) != 0 {
			t.Fatalf("ProposeFix = %v, want a *Policy refusal and nothing pushed", err)
		}
	})
	t.Run("no edit", func(t *testing.T) {
		w := world(t, &fakeModel{answer: forWeb()}, nil)
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb})
		if err != nil || out.NoFix == nil || !strings.Contains(findingsText(out.NoFix), "proposes no change") || out.Model == nil || out.Model.Kind != ModelNoEdit {
			t.Fatalf("outcome %+v, %v", out, err)
		}
	})
	t.Run("a patch becomes a verified pull request under the patch rule", func(t *testing.T) {
		a := forWeb()
		a.Patch = []model.PatchOp{{Path: "/spec/template/spec/terminationGracePeriodSeconds", Value: "45", Type: "number"}}
		w := world(t, &fakeModel{answer: a}, nil)
		out, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, PullBody: func(*FixProposal) string { return "body" }})
		if err != nil || !out.Opened || len(w.src.pushes) != 1 || out.Model == nil || out.Model.Kind != ModelProposed {
			t.Fatalf("outcome %+v, %v", out, err)
		}
		if d := out.Proposal.Diagnosis; !strings.Contains(d.Rule, "a patch of this workload's own document alone") || !strings.Contains(out.Diff, "+      terminationGracePeriodSeconds: 45") {
			t.Errorf("rule %q, diff:\n%s", d.Rule, out.Diff)
		}
	})
	t.Run("rules that have a fix do not ask", func(t *testing.T) {
		m := &fakeModel{answer: forWeb(model.Edit{Field: "replicas", Value: "3"})}
		w := world(t, m, nil)
		if _, err := w.svc.ProposeFix(ctx, w.call(), FixRequest{Workload: shopWeb, Edits: edits(t, "replicas=4")}); err != nil || len(m.asked) != 0 {
			t.Fatalf("err %v; asked %d times", err, len(m.asked))
		}
	})
}

func TestQuoteLong(t *testing.T) {
	long := strings.Repeat("the heap does not fit in the limit; ", 40) + "end."
	got := quoteLong(long)
	if strings.Join(strings.Fields(got.Plain()), " ") != strings.Join(strings.Fields(long), " ") {
		t.Errorf("quoteLong lost text:\n%s", got.Plain())
	}
	if md := got.Markdown(); !strings.HasSuffix(md, "end.") || strings.Contains(md, "\n") {
		t.Errorf("Markdown: %s", md)
	}
}
