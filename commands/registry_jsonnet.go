package commands

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// Jsonnet folders as deployments (issue 17): the jsonnet flags of `/rigel add-deployment`
// (`--tla k=v`, `--ext-var k=v`, `--jsonnet-lib path`, each repeatable), and how the registry's
// replies show a deployment's jsonnet settings. The service checks them (ops.Register:
// config.Jsonnet.Problems, ops/jsonnet.go).

// jsonnetFlags are the flags of add-deployment that set jsonnet settings.
var jsonnetFlags = []string{"tla", "ext-var", "jsonnet-lib"}

// jsonnetSettings reads the jsonnet flags of add-deployment; nil when none is given. A pair
// that is not NAME=VALUE, or a name given twice, is refused with how to write it.
func (c *call) jsonnetSettings() (*config.Jsonnet, error) {
	j := &config.Jsonnet{}
	var err error
	if j.TLAs, err = config.ParseJsonnetVars("--tla", c.cmd.FlagValues("tla")); err != nil {
		return nil, userErrorf("%s. Nothing was registered.", mdText(err.Error()))
	}
	if j.ExtVars, err = config.ParseJsonnetVars("--ext-var", c.cmd.FlagValues("ext-var")); err != nil {
		return nil, userErrorf("%s. Nothing was registered.", mdText(err.Error()))
	}
	for _, l := range c.cmd.FlagValues("jsonnet-lib") {
		if l == "" {
			return nil, userErrorf("`--jsonnet-lib` needs a folder relative to the repository root, e.g. `--jsonnet-lib vendor/lib`. Nothing was registered.")
		}
		j.Libs = append(j.Libs, l)
	}
	if j.Empty() {
		return nil, nil
	}
	return j, nil
}

// jsonnetLine is a deployment's jsonnet settings in words: "tla `env=prod`, ext-var
// `region=eu`, lib `vendor/lib`" ("" when it has none). Values are cut short.
func jsonnetLine(j *config.Jsonnet) string {
	if j.Empty() {
		return ""
	}
	var parts []string
	pairs := func(what string, m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, what+" "+code(short(k+"="+m[k])))
		}
	}
	pairs("tla", j.TLAs)
	pairs("ext-var", j.ExtVars)
	for _, l := range j.Libs {
		parts = append(parts, "lib "+code(short(l)))
	}
	return strings.Join(parts, ", ")
}

// jsonnetNote is the list's paragraph on its deployments' jsonnet settings ("" when none has
// any).
func jsonnetNote(deps []config.Deployment) string {
	return settingsNote(deps, "Jsonnet settings (top-level arguments, external variables, lib folders from the repository root):",
		func(d config.Deployment) string { return jsonnetLine(d.Jsonnet) })
}

// settingsNote is a paragraph of the list under heading: a line per deployment whose line is
// not empty ("" when none has one).
func settingsNote(deps []config.Deployment, heading string, line func(config.Deployment) string) string {
	var b strings.Builder
	for _, d := range deps {
		if l := line(d); l != "" {
			fmt.Fprintf(&b, "- %s: %s\n", code(d.Name), l)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n" + heading + "\n\n" + b.String()
}

// addedJsonnet is the registration reply's sentence on how the folder's *.jsonnet files render
// ("" for a deployment without jsonnet settings).
func addedJsonnet(added *ops.Added) string {
	l := jsonnetLine(added.Deployment.Jsonnet)
	if l == "" {
		return ""
	}
	return fmt.Sprintf(" Its *.jsonnet files render with %s, as Argo CD's `directory.jsonnet`; `/rigel list` shows them.", l)
}
