package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/rigel-gitops/rigel/sync"
)

// localOptions are the flags of `rigel diff` and `rigel apply`.
type localOptions struct {
	verb        string // diff or apply
	kube        *genericclioptions.ConfigFlags
	name        string
	concurrency int
	wait        time.Duration
	quiet       bool
	color       string
	chart       chartFlags     // local_chart.go
	jsonnet     jsonnetFlags   // local_jsonnet.go
	force       bool           // apply objects another reconciler manages or owns (issue 17)
	fetch       helmFetchFlags // local_helm_fetch.go
}

// localHelp is the help of diff and apply beyond their one line.
var localHelp = map[string]struct{ short, long, example string }{
	"diff": {
		short: "Preview a local folder against the cluster (server-side-apply dry-run)",
		long: `Diff renders PATH (a folder of YAML/JSON manifests, or a kustomization) as Rigel does for a
comment's preview, sends every object as a server-side-apply dry-run with your kubeconfig, and
prints the unified diff from the live objects (stdout) and a summary (stderr).

Unlike a comment's preview, it also shows the live values of objects the deployment does not
manage (marked "# … exists, not managed by …"): it runs with your own credentials, so it shows
only what you may read anyway. Secret values are never printed.

Namespaced objects that name no namespace go to -n, else the kubeconfig context's namespace,
else "default"; with -n, an object naming another namespace is an error (as kubectl).
A folder holding a Helm chart (Chart.yaml) renders as the bot renders a chart deployment:
release --release (default: the deployment name) in the namespace -n, values.yaml then the
--values files in order, --set-file, the cluster's version and APIs as .Capabilities, and
lookup answering nothing (as helm template); hooks run in their phase on apply.

Exit codes (as kubectl diff):
  0  no changes
  1  changes
  2  error: the folder does not render, the cluster is unreachable, an object is refused by
     the apiserver's dry-run, or a usage error (unknown flag, no PATH)`,
		example: "  rigel diff apps/web\n  rigel diff --context staging -n web apps/web\n  rigel diff apps/web --color=always | less -R",
	},
	"apply": {
		short: "Apply a local folder to the cluster, exactly as previewed, and wait for health",
		long: `Apply renders PATH (a folder of YAML/JSON manifests, or a kustomization), previews it as
"rigel diff" does (printing the same diff), then applies it with server-side apply (field
manager rigel; Namespaces and CRDs first) and, with --wait, waits that long for every object
to become healthy (kstatus).

If the preview refuses any object (the apiserver's dry-run rejects it), nothing is applied.
Namespaced objects that name no namespace go to -n, else the kubeconfig context's namespace,
else "default"; with -n, an object naming another namespace is an error (as kubectl).
A folder holding a Helm chart (Chart.yaml) renders as "rigel diff" says (--values,
--release, --set-file, -n as the release namespace); its hooks run in their phase.

Exit codes:
  0  applied and healthy (or nothing to do); without --wait health is not checked
  1  error: nothing or not everything applied (the folder does not render, the preview
     refused an object, the apiserver refused an apply, the cluster is unreachable), or a
     usage error (unknown flag, no PATH)
  3  applied, but unhealthy: the --wait timed out or a workload failed`,
		example: "  rigel apply apps/web\n  rigel apply apps/web --wait 2m\n  rigel apply --context prod -n web apps/web -q",
	},
}

// newLocal is `rigel diff` or `rigel apply` (verb).
func newLocal(verb string, streams genericiooptions.IOStreams) *cobra.Command {
	o := &localOptions{verb: verb, kube: genericclioptions.NewConfigFlags(false)}
	o.kube.CacheDir = nil // no --cache-dir: rigel keeps no discovery cache
	h := localHelp[verb]
	cmd := &cobra.Command{
		Use:     verb + " PATH",
		Short:   h.short,
		Long:    h.long,
		Example: h.example,
		Args:    exactlyOnePath,
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), args[0], streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "deployment name stamped in "+sync.AnnotationSourceRepo+" (default: from the folder)")
	f.IntVar(&o.concurrency, "concurrency", sync.DefaultConcurrency, "requests in flight at once")
	if verb == "apply" {
		f.DurationVar(&o.wait, "wait", 0, "wait this long for the applied objects to become healthy (0: do not wait)")
	}
	f.StringSliceVar(&o.chart.values, "values", nil, "a Helm chart's values files, relative to the chart folder, in order (values.yaml is always read first)")
	f.StringVar(&o.chart.release, "release", "", "a Helm chart's release name (default: the deployment name)")
	f.StringArrayVar(&o.chart.setFiles, "set-file", nil, "a Helm chart's value read from a file: key=path, the path relative to the chart folder (repeatable)")
	f.StringArrayVar(&o.jsonnet.tlas, "tla", nil, "a top-level argument of the folder's *.jsonnet files: name=value, a string (repeatable)")
	f.StringArrayVar(&o.jsonnet.extVars, "ext-var", nil, "an external variable (std.extVar) of the folder's *.jsonnet files: name=value, a string (repeatable)")
	f.StringArrayVar(&o.jsonnet.libs, "jsonnet-lib", nil, "a folder searched for jsonnet imports, relative to the repository root (repeatable)")
	o.fetch.add(f)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the summary")
	if verb == "apply" {
		f.BoolVar(&o.force, "force", false, "apply even objects another reconciler manages, or an Argo CD Application / Flux Kustomization that hands work to it")
	}
	f.StringVar(&o.color, "color", "auto", "colour the diff: "+strings.Join(colorModes, ", ")+" (auto: when stdout is a terminal and NO_COLOR is unset)")
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(colorModes, cobra.ShellCompDirectiveNoFileComp))
	addKubeFlags(f, o.kube)
	cmd.SetUsageTemplate(localUsage)
	return cmd
}
