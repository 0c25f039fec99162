package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/rigel-gitops/rigel/internal/buildinfo"
)

// versionJSON is `rigel version -o json`.
type versionJSON struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"goVersion"`
}

func newVersion(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print Rigel's version, the git revision it was built from and its Go version",
		Long: `Print which Rigel this binary is: the version stamped at build time (make build stamps
the release tag; an untagged build says devel+REVISION), the git revision, and the Go toolchain.
The same values as the rigel_build_info metric.`,
		Example: "  rigel version\n  rigel version -o json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info := buildinfo.Read()
			switch output {
			case "":
				fmt.Fprintf(streams.Out, "version:  %s\nrevision: %s\ngo:       %s\n", info.Version, info.Revision, info.GoVersion)
			case "json":
				b, err := json.MarshalIndent(versionJSON{info.Version, info.Revision, info.GoVersion}, "", "  ")
				if err != nil {
					return exitWith(exitFailed, err)
				}
				fmt.Fprintf(streams.Out, "%s\n", b)
			default:
				return fmt.Errorf("--output=%s: want json, or nothing for text", output)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json (default: text)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
