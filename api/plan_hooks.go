package api

import "github.com/rigel-gitops/rigel/sync"

// The hooks of a plan (sync.Plan.Hooks) and what an apply did with them (sync.Result.Hooks).

// hookRunJSON is one container a hook runs.
type hookRunJSON struct {
	Container string   `json:"container"`
	Image     string   `json:"image"`
	Command   []string `json:"command,omitempty"`
}

// hookJSON is one hook of a preview.
type hookJSON struct {
	objectJSON
	GenerateName   string        `json:"generateName,omitempty"`
	Source         string        `json:"source,omitempty"`
	Tool           string        `json:"tool"`   // "Helm" or "Argo CD"
	Phases         []string      `json:"phases"` // as written
	Stage          string        `json:"stage"`  // pre, sync, post, fail, "not run"
	NotRun         string        `json:"notRun,omitempty"`
	Weight         int           `json:"weight"`
	DeletePolicies []string      `json:"deletePolicies"`
	Runs           []hookRunJSON `json:"runs,omitempty"`
	Action         string        `json:"action"`
	Error          string        `json:"error,omitempty"`
	Note           string        `json:"note,omitempty"`
	ManagedBy      string        `json:"managedBy,omitempty"`
	Violations     []string      `json:"violations,omitempty"`
	Unknown        []string      `json:"unknown,omitempty"`
	// Options says what the hook's Argo CD sync options do to it (SkipDryRunOnMissingResource,
	// Replace, Force); options that do nothing to a hook are in Unknown, with why.
	Options []string `json:"options,omitempty"`
}

func hooksOut(p *sync.Plan) []hookJSON {
	var out []hookJSON
	for _, h := range p.Hooks {
		hj := hookJSON{objectJSON: objectOf(h.Ref), GenerateName: h.GenerateName, Source: h.Source, Tool: h.Hook.Tool, Phases: h.Hook.Phases,
			Stage: string(h.Stage), NotRun: h.NotRun, Weight: h.Hook.Weight, DeletePolicies: h.Hook.DeletePolicies,
			Action: string(h.Action), Error: h.Err, Note: h.Note, Unknown: h.Hook.Unknown, Options: h.Hook.Options}
		for _, r := range h.Runs {
			hj.Runs = append(hj.Runs, hookRunJSON{Container: r.Container, Image: r.Image, Command: r.Command})
		}
		if h.ManagedBy != nil {
			hj.ManagedBy = h.ManagedBy.String()
		}
		for _, v := range h.Violations {
			hj.Violations = append(hj.Violations, v.Msg)
		}
		out = append(out, hj)
	}
	return out
}

// hookOutcomeJSON is what an apply did with one hook.
type hookOutcomeJSON struct {
	objectJSON
	Stage   string   `json:"stage"`
	Outcome string   `json:"outcome"`
	Message string   `json:"message,omitempty"`
	Logs    string   `json:"logs,omitempty"` // the end of its pod's logs
	Deleted []string `json:"deleted,omitempty"`
}

func hookOutcomesOut(res *sync.Result) []hookOutcomeJSON {
	var out []hookOutcomeJSON
	for _, h := range res.Hooks {
		out = append(out, hookOutcomeJSON{objectJSON: objectOf(h.Ref), Stage: string(h.Stage), Outcome: h.Outcome, Message: h.Message, Logs: h.Logs, Deleted: h.Deleted})
	}
	return out
}
