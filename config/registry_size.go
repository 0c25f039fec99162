package config

import (
	"fmt"
)

// MaxRegistryBytes is the most the registry ConfigMap's data may hold: the apiserver refuses a
// ConfigMap whose keys and values are over 1 MiB together (corev1.MaxSecretSize, which
// ConfigMaps share). Registry.Update refuses an update that would go past it (*RegistryFull)
// before writing, rather than let the apiserver answer with an error that names no remedy.
const MaxRegistryBytes = 1 << 20

// RegistryFull refuses a registry update that would make the ConfigMap larger than the
// apiserver accepts (issue 14). Nothing was written. It says how big the registry would be and
// what makes it smaller: fewer deployments, or a shorter history of syncs
// (RIGEL_SYNC_HISTORY). README "Capacity" says how many deployments fit.
type RegistryFull struct {
	Namespace   string // of the ConfigMap
	Bytes       int    // the size the update would give the ConfigMap's data
	Limit       int    // MaxRegistryBytes
	Deployments int    // the deployments the registry would hold
	History     int    // the most syncs of history one of them keeps
}

func (e *RegistryFull) Error() string {
	return fmt.Sprintf("the registry (ConfigMap %s/%s) would hold %d bytes, over the %d bytes a ConfigMap may hold: %d deployments, keeping up to %d earlier syncs each. "+
		"Nothing was changed. Remove deployments no longer used (`/rigel remove-deployment NAME`), or lower RIGEL_SYNC_HISTORY (each earlier sync kept costs about 105 bytes per deployment; the history shortens at each deployment's next apply)",
		e.Namespace, SourcesConfigMap, e.Bytes, e.Limit, e.Deployments, e.History)
}

// Refused marks RegistryFull as a refusal (ops.Refusal): nothing was changed.
func (e *RegistryFull) Refused() {}

// checkSize refuses data for the registry ConfigMap (of s) that is larger than limit.
func checkSize(namespace string, data map[string]string, s *Sources, limit int) error {
	size := 0
	for k, v := range data {
		size += len(k) + len(v)
	}
	if size <= limit {
		return nil
	}
	full := &RegistryFull{Namespace: namespace, Bytes: size, Limit: limit}
	for _, r := range s.Repos {
		full.Deployments += len(r.Deployments)
		for _, d := range r.Deployments {
			full.History = max(full.History, len(d.History))
		}
	}
	return full
}

// SetMaxBytes sets the most the registry ConfigMap's data may hold (n < 1: MaxRegistryBytes):
// for tests of what a full registry does; the apiserver's limit is MaxRegistryBytes.
func (r *Registry) SetMaxBytes(n int) {
	if n < 1 {
		n = MaxRegistryBytes
	}
	r.maxBytes = n
}
