package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// kubeFlagAnnotation marks the flags of genericclioptions.ConfigFlags, which the help of diff
// and apply lists apart from their own.
const kubeFlagAnnotation = "rigel.dev/kubeconfig-flag"

// localUsage is the usage of diff and apply: their own flags, then kubectl's kubeconfig flags.
const localUsage = `Usage:
  {{.UseLine}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}

Flags:
{{ownFlags . | trimTrailingWhitespaces}}

Kubeconfig flags (as kubectl's; the kubeconfig is --kubeconfig, else $KUBECONFIG, else ~/.kube/config):
{{kubeFlags . | trimTrailingWhitespaces}}
`

func init() {
	cobra.AddTemplateFunc("ownFlags", func(c *cobra.Command) string { return flagUsages(c, false) })
	cobra.AddTemplateFunc("kubeFlags", func(c *cobra.Command) string { return flagUsages(c, true) })
}

// addKubeFlags adds kubectl's kubeconfig flags of kf to fs, marked kubeFlagAnnotation.
func addKubeFlags(fs *pflag.FlagSet, kf *genericclioptions.ConfigFlags) {
	kube := pflag.NewFlagSet("kubeconfig", pflag.ContinueOnError)
	kf.AddFlags(kube)
	kube.VisitAll(func(f *pflag.Flag) {
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[kubeFlagAnnotation] = []string{"true"}
		fs.AddFlag(f)
	})
}

// flagUsages lists the local flags of c that are kubectl's kubeconfig flags (kube) or not.
func flagUsages(c *cobra.Command, kube bool) string {
	fs := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[kubeFlagAnnotation]; ok == kube {
			fs.AddFlag(f)
		}
	})
	return fs.FlagUsages()
}
