package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// newRoot is the rigel command with its subcommands, writing to streams.
func newRoot(streams genericiooptions.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "rigel",
		Short: "Review-then-apply GitOps for Kubernetes, driven from GitHub",
		Long: `Rigel renders a repository folder (plain YAML or kustomize), previews it with a
server-side-apply dry-run, and applies exactly what was previewed.

"rigel serve" runs the GitHub App (the webhook, the HTTP API and metrics); "rigel diff" and
"rigel apply" do the same preview and apply for a local folder with your own kubeconfig.

An unknown command or flag prints the error and a usage hint and exits 1 (2 for "rigel diff",
whose 1 means changes). See docs/cli.md for every exit code.`,
		SilenceErrors: true, // execute prints errors, with the exit code of each command
		SilenceUsage:  true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetHelpCommand(newHelp())
	root.AddCommand(newServe(), newVersion(streams), newLocal("diff", streams), newLocal("apply", streams))
	// cobra's completion command; runnable, so that an unknown shell is a usage error (its
	// NoArgs) rather than its help.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
	}
	return root
}

// execute runs rigel with args and returns the exit code: the command's own (an *exitError),
// exitOK, or for a usage error (what cobra returns by itself) the error, a usage hint, and
// usageExit of the command concerned.
func execute(ctx context.Context, args []string, streams genericiooptions.IOStreams) int {
	root := newRoot(streams)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if e, ok := asExit(err); ok {
		if e.err != nil {
			fmt.Fprintln(streams.ErrOut, "Error:", e.err)
		}
		return e.code
	}
	if cmd == nil {
		cmd = root
	}
	fmt.Fprintln(streams.ErrOut, "Error:", err)
	fmt.Fprintf(streams.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return usageExit(cmd.CommandPath())
}

// exactlyOnePath is the Args of diff and apply: one PATH, before or after the flags.
func exactlyOnePath(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("%s needs the folder to %s: %s", cmd.CommandPath(), cmd.Name(), cmd.UseLine())
	}
	return fmt.Errorf("%s takes one folder, got %d: %q", cmd.CommandPath(), len(args), args)
}
