package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

// run previews (diff) or previews and applies (apply) the folder path, and ends with the
// verb's exit code (exit.go).
func (o *localOptions) run(ctx context.Context, path string, streams genericiooptions.IOStreams) error {
	failed := diffError
	if o.verb == "apply" {
		failed = applyError
	}
	fail := func(err error) error { return exitWith(failed, err) }
	// client-go's own log lines (klog) would repeat on stderr what the error says.
	klog.SetLogger(logr.Discard())
	color, err := wantColor(o.color, streams.Out, os.Getenv)
	if err != nil {
		return fail(err)
	}
	dir, err := filepath.Abs(path)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return fail(fmt.Errorf("failed to read the folder %s: %w", path, err))
	}
	root, folder, checkout, err := localRoot(dir)
	if err != nil {
		return fail(err)
	}
	name := o.name
	if name == "" {
		if name = sync.DeploymentName(filepath.ToSlash(dir)); name == "" {
			return fail(fmt.Errorf("%s names no deployment (its folders have generic names such as k8s): pass --name", path))
		}
	}
	ns, enforce, err := o.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fail(fmt.Errorf("failed to read the namespace from the kubeconfig: %w", err))
	}
	cfg, err := o.kube.ToRESTConfig()
	if err != nil {
		return fail(fmt.Errorf("failed to load the kubeconfig: %w", err))
	}
	// The apiserver's warnings on stderr, as kubectl prints them (klog, which would log
	// them, is silenced above), from every request: see warnings.go.
	printWarnings(cfg, rest.NewWarningWriter(streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true}))
	kc, err := kube.New(cfg)
	if err != nil {
		return fail(err)
	}
	engine := &sync.Engine{Kube: kc, Concurrency: o.concurrency}
	fsys := os.DirFS(root)
	ropts, err := o.chart.renderOptions(ctx, fsys, path, folder, name, ns, engine.Capabilities) // local_chart.go
	if err != nil {
		return fail(err)
	}
	if ropts.Repos, err = o.fetch.repos(); err != nil { // local_helm_fetch.go
		return fail(err)
	}
	if ropts.Jsonnet, err = o.jsonnet.settings(path); err != nil { // local_jsonnet.go
		return fail(err)
	}
	objs, err := sync.RenderWith(ctx, fsys, folder, ropts)
	var hermetic *sync.HermeticError
	if errors.As(err, &hermetic) && !checkout {
		err = fmt.Errorf("%w (%s is in no git checkout: rigel reads the files under its parent folder %s only; run it on a folder of a checkout)", err, path, root)
	}
	if err != nil {
		return fail(err)
	}
	if ropts.Chart != nil {
		printLookups(streams.ErrOut, fsys, folder)
	}
	plan, err := engine.DiffWith(ctx, objs, sync.Provenance{Deployment: name, Path: folder},
		sync.DiffOptions{LiveOfUnmanaged: true, Namespace: ns, EnforceNamespace: enforce})
	if err != nil {
		return fail(err)
	}
	if !o.quiet {
		printPlan(streams.Out, plan, name, color)
	}
	create, update, unchanged, refused := plan.Counts()
	fmt.Fprintf(streams.ErrOut, "%d to create, %d to change, %d unchanged, %d refused\n", create, update, unchanged, refused)
	switch {
	case refused > 0 && o.verb == "apply":
		return exitWith(applyError, fmt.Errorf("the preview refused %d object(s): nothing applied", refused))
	case refused > 0:
		return exitWith(diffError, nil) // the refusals are in the diff
	case o.verb == "diff" && create+update > 0:
		return exitWith(diffChanges, nil)
	case o.verb == "diff":
		return nil
	}
	if rc := plan.Reconciled(); len(rc) > 0 && !o.force { // issue 17, as /rigel apply without --force
		return exitWith(applyError, fmt.Errorf("%d object(s) are another reconciler's (%s): nothing applied; pass --force if rigel should apply them", len(rc), rc[0].ManagedBy.String()))
	}
	res, err := engine.Apply(ctx, plan, sync.ApplyOptions{Wait: o.wait, HookTimeout: o.wait})
	if err != nil {
		return fail(err)
	}
	printResult(streams.ErrOut, res)
	switch res.Status {
	case sync.StatusFailed:
		return exitWith(applyError, nil)
	case sync.StatusUnhealthy:
		return exitWith(applyUnhealthy, nil)
	}
	return nil
}

// printPlan writes the plan's diff: each change's diff, its refusal, and a line for each
// object the deployment does not manage.
func printPlan(w io.Writer, plan *sync.Plan, name string, color bool) {
	for _, c := range plan.Changes {
		if u := c.Unmanaged; u != nil {
			fmt.Fprintf(w, "# %s exists, not managed by %s: %s\n", c.Ref, name, unmanagedWords(u))
		}
		if c.Note != "" { // how it was previewed: sent as is (no dry-run), a sync option, ...
			fmt.Fprintf(w, "# %s: %s\n", c.Ref, c.Note)
		}
		if h := c.HandOver; h != nil { // sync/handover.go
			fmt.Fprintf(w, "# %s: %s\n", c.Ref, h.Note())
		}
		if r := c.ManagedBy; r != nil && r.Hands { // issue 17: sync/owners_objects.go
			fmt.Fprintf(w, "# %s is %s's own object (%s): applying it hands what it names to %s, which rigel neither previews nor applies\n", c.Ref, r.Tool, r.Evidence, r.Tool)
		} else if r != nil {
			fmt.Fprintf(w, "# %s is managed by %s (%s)\n", c.Ref, r.String(), r.Evidence)
		}
		switch {
		case c.Err != "" && color:
			fmt.Fprintf(w, "%s# %s refused: %s%s\n", ansiBold+ansiRed, c.Ref, c.Err, ansiReset)
		case c.Err != "":
			fmt.Fprintf(w, "# %s refused: %s\n", c.Ref, c.Err)
		case c.Diff != "":
			diff := c.Diff
			if diff[len(diff)-1] != '\n' {
				diff += "\n"
			}
			if color {
				diff = colorDiff(diff)
			}
			fmt.Fprint(w, diff)
		}
	}
	printHooks(w, plan) // local_hooks.go
}

// printResult writes the outcome of an apply: one line per object not applied or not
// healthy, then the status and how long it took.
func printResult(w io.Writer, res *sync.Result) {
	for _, o := range res.Objects {
		switch {
		case o.Action == sync.ActionError:
			fmt.Fprintf(w, "# %s not applied: %s\n", o.Ref, o.Message)
		case o.Health != "" && o.Health != "Current":
			fmt.Fprintf(w, "# %s %s: %s\n", o.Ref, o.Health, o.Message)
		}
	}
	printHookResults(w, res) // local_hooks.go
	fmt.Fprintf(w, "apply %s in %s\n", res.Status, res.Finished.Sub(res.Started).Round(time.Millisecond))
}
