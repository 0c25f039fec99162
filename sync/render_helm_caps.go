package sync

import (
	"context"
	"fmt"
	"path"
	"sort"
	gosync "sync"
	"time"

	"k8s.io/client-go/discovery"

	"github.com/rigel-gitops/rigel/kube"
)

// CapabilitiesTTL is how long Engine.Capabilities reuses what discovery said.
const CapabilitiesTTL = time.Minute

// capsEntry is the cached capabilities of one cluster client.
type capsEntry struct {
	mu   gosync.Mutex // one discovery at a time per client
	caps *Capabilities
	at   time.Time
}

// capsCache holds the capabilities of each cluster client (an Engine has no state of its
// own: it is built as a literal). Entries not used for 10 TTLs are forgotten.
var capsCache = struct {
	gosync.Mutex
	m map[*kube.Client]*capsEntry
}{m: map[*kube.Client]*capsEntry{}}

// Capabilities returns what a chart rendered for this cluster sees as .Capabilities: the
// server's Kubernetes version and its API versions ("group/version" and
// "group/version/Kind"), as `helm install` computes them, from discovery, cached for
// CapabilitiesTTL. A group whose discovery fails (an unavailable aggregated API) is left out.
func (e *Engine) Capabilities(ctx context.Context) (*Capabilities, error) {
	now := time.Now()
	capsCache.Lock()
	ent := capsCache.m[e.Kube]
	if ent == nil {
		for k, v := range capsCache.m {
			if v.mu.TryLock() {
				if now.Sub(v.at) > 10*CapabilitiesTTL {
					delete(capsCache.m, k)
				}
				v.mu.Unlock()
			}
		}
		ent = &capsEntry{}
		capsCache.m[e.Kube] = ent
	}
	capsCache.Unlock()

	ent.mu.Lock()
	defer ent.mu.Unlock()
	if ent.caps != nil && now.Sub(ent.at) < CapabilitiesTTL {
		return ent.caps, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	caps, err := discoverCapabilities(e.Kube.Typed.Discovery())
	if err != nil {
		return nil, err
	}
	ent.caps, ent.at = caps, time.Now()
	return caps, nil
}

// discoverCapabilities asks discovery for the server version and API versions.
func discoverCapabilities(dc discovery.DiscoveryInterface) (*Capabilities, error) {
	v, err := dc.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("failed to read the cluster's Kubernetes version (for the charts' .Capabilities): %w", err)
	}
	groups, resources, err := dc.ServerGroupsAndResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, fmt.Errorf("failed to read the cluster's API versions (for the charts' .Capabilities): %w", err)
	}
	set := map[string]bool{}
	for _, g := range groups {
		for _, gv := range g.Versions {
			set[gv.GroupVersion] = true
		}
	}
	for _, r := range resources {
		for _, res := range r.APIResources {
			set[path.Join(r.GroupVersion, res.Kind)] = true
		}
	}
	out := &Capabilities{KubeVersion: v.GitVersion, APIVersions: make([]string, 0, len(set))}
	for k := range set {
		out.APIVersions = append(out.APIVersions, k)
	}
	sort.Strings(out.APIVersions)
	return out, nil
}
