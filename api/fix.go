package api

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
)

const exampleFix = `{"kind": "Deployment", "name": "web", "namespace": "shop", "set": {"memory": "512Mi"}, "container": "web"}`

type fixRequest struct {
	Kind      string            `json:"kind"`
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Set       map[string]string `json:"set"`       // what to set; absent: Rigel diagnoses the workload
	Container string            `json:"container"` // which container the set applies to, when there are several
}

type pullJSON struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
	Branch string `json:"branch"`
}

type fixJSON struct {
	Workload   objectJSON `json:"workload"`
	Repo       string     `json:"repo"`
	Deployment string     `json:"deployment"`
	// Outcome: "opened" (a new pull request), "open" (one was open with the same change),
	// "unchanged" (the manifest already has it) or "nothing-to-fix" (the diagnosis found nothing).
	Outcome  string    `json:"outcome"`
	Pull     *pullJSON `json:"pull,omitempty"`
	Edits    []string  `json:"edits,omitempty"`
	Findings []string  `json:"findings,omitempty"` // what Rigel saw, when it diagnosed
	Diff     string    `json:"diff,omitempty"`
}

// POST /api/git/propose-fix: what `/rigel fix` does, for a workload linked to a registered
// deployment: a pull request to the deployment's repo that edits its manifest. Nothing is
// applied to the cluster.
func (s *server) proposeFix(c echo.Context) error {
	ctx := c.Request().Context()
	var req fixRequest
	if err := decode(c, &req, exampleFix); err != nil {
		return err
	}
	ref, edits, err := fixArgs(req)
	if err != nil {
		return err
	}
	out, err := s.Ops.ProposeFix(ctx, ops.Call{Holder: ops.Holder{Command: "propose-fix (HTTP API)"}},
		ops.FixRequest{Workload: ref, Edits: edits, Bot: s.BotLogin, PullBody: words.FixPull, Reach: s.reach})
	if err != nil {
		return fixRefusal(ref, err)
	}
	p := out.Proposal
	res := fixJSON{Workload: objectJSON{APIVersion: "apps/v1", Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}, Repo: p.Repo, Deployment: p.Deployment.Name, Diff: out.Diff}
	for _, e := range out.Edits {
		res.Edits = append(res.Edits, e.String())
	}
	if out.Diagnosis != nil {
		for _, f := range out.Diagnosis.Findings {
			res.Findings = append(res.Findings, f.Plain()) // neutralised plain text, as in a commit message
		}
	}
	status := http.StatusOK
	switch {
	case out.NoFix != nil:
		res.Outcome = "nothing-to-fix"
	case out.Unchanged:
		res.Outcome = "unchanged"
	default:
		res.Outcome, res.Pull = "open", &pullJSON{Number: out.Pull.Number, URL: out.Pull.URL, Branch: out.Branch}
		if out.Opened {
			res.Outcome, status = "opened", http.StatusCreated
		}
	}
	return c.JSON(status, res)
}

// fixRefusal words in the API's terms the refusals of a fix that name the workload: it does
// not exist (404), or is not linked to a registered deployment; others pass unchanged.
func fixRefusal(ref kube.WorkloadRef, err error) error {
	var nl *ops.NotLinked
	switch {
	case fault.IsNotFound(err, ref.Kind):
		return fail(http.StatusNotFound, "there is no %s %q in namespace %q. Check the kind, the name and the namespace.", ref.Kind, ref.Name, ref.Namespace)
	case errors.As(err, &nl):
		return fail(http.StatusBadRequest, "%s %q in namespace %q is not linked to a registered deployment (its %s annotation is %q), so Rigel does not know which folder holds its manifest. Nothing was changed. Link it in a conversation of the deployment's repo: `/rigel link %s/%s -n %s DEPLOYMENT`.",
			ref.Kind, ref.Name, ref.Namespace, sync.AnnotationSourceRepo, nl.Name, strings.ToLower(ref.Kind), ref.Name, ref.Namespace)
	}
	return err
}

// fixArgs checks the workload and the edits of a fix request; edits is nil when Rigel is to
// diagnose.
func fixArgs(req fixRequest) (kube.WorkloadRef, []fix.Edit, error) {
	kind, known := kube.WorkloadKind(req.Kind)
	if !known {
		return kube.WorkloadRef{}, nil, fail(http.StatusBadRequest, "%q is not a kind of workload Rigel fixes: give Deployment, StatefulSet or DaemonSet. For example %s", req.Kind, exampleFix)
	}
	if errs := validation.IsDNS1123Subdomain(req.Name); len(errs) > 0 {
		return kube.WorkloadRef{}, nil, fail(http.StatusBadRequest, "%q cannot be the name of a %s: %s.", req.Name, kind, errs[0])
	}
	ns := req.Namespace
	if ns == "" {
		ns = "default"
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return kube.WorkloadRef{}, nil, fail(http.StatusBadRequest, "%q cannot be a namespace: %s.", ns, errs[0])
	}
	ref := kube.WorkloadRef{Kind: kind, Namespace: ns, Name: req.Name}
	if req.Set == nil {
		if req.Container != "" {
			return ref, nil, fail(http.StatusBadRequest, "container goes with set: %s", exampleFix)
		}
		return ref, nil, nil
	}
	if len(req.Set) == 0 {
		return ref, nil, fail(http.StatusBadRequest, "set is empty: give what to set, e.g. %s, or leave set out for Rigel to diagnose the workload.", exampleFix)
	}
	pairs := make([]string, 0, len(req.Set))
	for k, v := range req.Set {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	edits, err := fix.ParseSet(pairs)
	var fe *fault.Invalid
	switch {
	case errors.As(err, &fe):
		return ref, nil, fail(http.StatusBadRequest, "%s.", strings.TrimSuffix(fe.Msg, "."))
	case err != nil:
		return ref, nil, err
	}
	for i := range edits {
		edits[i].Container = req.Container
	}
	return ref, edits, nil
}
