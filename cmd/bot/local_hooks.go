package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
)

// printHooks writes a line per hook of the plan (sync.Plan.Hooks): when it runs and what, or
// why it is not run.
func printHooks(w io.Writer, plan *sync.Plan) {
	for _, h := range plan.Hooks {
		if h.Stage == sync.HookNotRun {
			fmt.Fprintf(w, "# hook %s not run by rigel: %s\n", h.Title(), h.NotRun)
			continue
		}
		var runs []string
		for _, r := range h.Runs {
			runs = append(runs, strings.TrimSpace(r.Image+" "+strings.Join(r.Command, " ")))
		}
		what := ""
		if len(runs) > 0 {
			what = ": " + strings.Join(runs, "; ")
		}
		fmt.Fprintf(w, "# hook %s (%s, weight %d) runs %s%s\n", h.Title(), strings.Join(h.Hook.Phases, ","), h.Hook.Weight, stageWords[h.Stage], what)
		for _, v := range h.Violations {
			fmt.Fprintf(w, "# hook %s refused by the policy: %s\n", h.Title(), v.Msg)
		}
		if h.Err != "" {
			fmt.Fprintf(w, "# hook %s refused: %s\n", h.Title(), h.Err)
		}
	}
}

var stageWords = map[sync.HookStage]string{
	sync.HookPre:  "before the objects",
	sync.HookSync: "with the objects",
	sync.HookPost: "after the objects are healthy",
	sync.HookFail: "if the apply fails",
}

// printHookResults writes the outcome of each hook of an apply, and the end of its logs.
func printHookResults(w io.Writer, res *sync.Result) {
	for _, h := range res.Hooks {
		fmt.Fprintf(w, "# hook %s (%s): %s: %s\n", h.Ref, h.Stage, h.Outcome, h.Message)
		if h.Logs != "" {
			for _, l := range strings.Split(strings.TrimRight(h.Logs, "\n"), "\n") {
				fmt.Fprintf(w, "#   | %s\n", l)
			}
		}
	}
}
