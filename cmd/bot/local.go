package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// local runs `bot diff PATH` or `bot apply PATH` against the current kubeconfig. Exit codes as
// kubectl diff: 0 no changes, 1 changes (or, for apply, changes applied), 2 error. The diff is
// the comment's, coloured on a terminal (--color, NO_COLOR).
//
// Unlike a comment's preview, the local diff shows the live values of every object, also of
// objects the deployment does not manage: it runs with the operator's own kubeconfig, so it
// shows only what the operator may read anyway (kubectl diff shows as much). Such objects are
// marked with a "# … exists, not managed by …" line.
func local(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	name := fs.String("name", "", "deployment name stamped in helmsman.dev/source-repo (default: from the folder)")
	concurrency := fs.Int("concurrency", 32, "requests in flight at once")
	wait := fs.Duration("wait", 0, "apply: wait this long for health")
	quiet := fs.Bool("q", false, "print only the summary")
	colorMode := fs.String("color", "auto", "colour the diff: auto (when stdout is a terminal and NO_COLOR is unset), always or never")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	color, err := wantColor(*colorMode, stdout, os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "usage: bot %s [flags] PATH\n", verb)
		return 2
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	if *name == "" {
		*name = sync.DeploymentName(filepath.ToSlash(dir))
	}
	cfg, err := kube.LoadConfig(*kubeconfig)
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	kc, err := kube.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	objs, err := sync.Render(ctx, os.DirFS(filepath.Dir(dir)), filepath.Base(dir))
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	engine := &sync.Engine{Kube: kc, Concurrency: *concurrency}
	plan, err := engine.DiffWith(ctx, objs, sync.Provenance{Deployment: *name, Path: filepath.Base(dir)}, sync.DiffOptions{LiveOfUnmanaged: true})
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	create, update, unchanged, failed := plan.Counts()
	if !*quiet {
		for _, c := range plan.Changes {
			if u := c.Unmanaged; u != nil {
				fmt.Fprintf(stdout, "# %s exists, not managed by %s: %s\n", c.Ref, *name, unmanagedWords(u))
			}
			switch {
			case c.Err != "" && color:
				fmt.Fprintf(stdout, "%s# %s refused: %s%s\n", ansiBold+ansiRed, c.Ref, c.Err, ansiReset)
			case c.Err != "":
				fmt.Fprintf(stdout, "# %s refused: %s\n", c.Ref, c.Err)
			case c.Diff != "":
				diff := c.Diff
				if diff[len(diff)-1] != '\n' {
					diff += "\n"
				}
				if color {
					diff = colorDiff(diff)
				}
				fmt.Fprint(stdout, diff)
			}
		}
	}
	fmt.Fprintf(stderr, "%d to create, %d to change, %d unchanged, %d refused\n", create, update, unchanged, failed)
	if failed > 0 {
		return 2
	}
	if verb == "diff" {
		if create+update > 0 {
			return 1
		}
		return 0
	}
	res, err := engine.Apply(ctx, plan, sync.ApplyOptions{Wait: *wait})
	if err != nil {
		fmt.Fprintln(stderr, "rigel:", err)
		return 2
	}
	fmt.Fprintf(stderr, "apply %s in %s\n", res.Status, res.Finished.Sub(res.Started).Round(time.Millisecond))
	if res.Status == "Failed" {
		return 2
	}
	if create+update > 0 {
		return 1
	}
	return 0
}

// unmanagedWords says who manages an object the deployment does not.
func unmanagedWords(u *sync.Unmanaged) string {
	var parts []string
	if u.Deployment != "" {
		parts = append(parts, "its provenance names deployment "+u.Deployment)
	}
	if len(u.Managers) > 0 {
		parts = append(parts, "field managers "+strings.Join(u.Managers, ", "))
	}
	if len(u.TakeOver) > 0 {
		parts = append(parts, fmt.Sprintf("applying takes over %d field(s)", len(u.TakeOver)+u.More))
	}
	if len(parts) == 0 {
		return "nobody known manages it"
	}
	return strings.Join(parts, "; ")
}
