package ops

import (
	"maps"
	"slices"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// jsonnetSettings maps a deployment's jsonnet settings (issue 17) to the renderer's; nil when
// it has none.
func jsonnetSettings(dep config.Deployment) *sync.JsonnetSettings {
	j := dep.Jsonnet
	if j == nil {
		return nil
	}
	return &sync.JsonnetSettings{TLAs: maps.Clone(j.TLAs), ExtVars: maps.Clone(j.ExtVars), Libs: slices.Clone(j.Libs)}
}
