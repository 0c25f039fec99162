package config

import (
	"context"
	gosync "sync"
	"sync/atomic"

	"github.com/rs/zerolog"
)

// A Registry keeps the registry as it last decoded it (issue 14): at 2,000 deployments
// decoding repos.yaml (800 KB of JSON) takes 10–20 ms, most of a read and of an update's own
// work. When the ConfigMap read (or remembered, registry_cache.go) holds exactly the data of
// the kept one, a deep copy of it (registry_clone.go) is handed out instead of decoding again.
// After each write the data written is decoded in the background, off the update's path, so
// the next Load or Update finds it ready. The kept registry is only ever the result of
// decodeData on the same data: a copy of it is what decoding would return, invalid entries
// and all (which are logged again on each read, as decoding does).
type snapshot struct {
	version, repos string        // the ConfigMap's data it is the decoding of
	done           chan struct{} // closed once s is set (or the decoding failed: s nil)
	s              *Sources      // never handed out: copies of it are
}

// decode is decodeData(data) for a registry in the current layout (the legacy layout is
// migrated by decodeData, never kept), from the kept decoding when data is the same.
func (r *Registry) decode(ctx context.Context, data map[string]string) (*Sources, error) {
	if snap := r.snapshotOf(data); snap != nil {
		s := snap.s.clone()
		logInvalid(ctx, s)
		return s, nil
	}
	s, legacy, err := decodeData(ctx, data)
	if r.snap != nil {
		r.snap.decodes.Add(1)
	}
	if err != nil || legacy || r.snap == nil {
		return s, err
	}
	snap := &snapshot{version: data[keyVersion], repos: data[keyRepos], done: make(chan struct{}), s: s.clone()}
	close(snap.done)
	r.keep(snap)
	return s, nil
}

// decodeLater decodes data, which was just written, in the background and keeps it.
func (r *Registry) decodeLater(data map[string]string) {
	if r.snap == nil {
		return
	}
	if _, legacy := data[keyLegacySources]; legacy {
		return
	}
	snap := &snapshot{version: data[keyVersion], repos: data[keyRepos], done: make(chan struct{})}
	r.keep(snap)
	go func() {
		defer close(snap.done)
		quiet := zerolog.Nop().WithContext(context.Background()) // its invalid entries are logged when read
		if s, legacy, err := decodeData(quiet, data); err == nil && !legacy {
			snap.s = s
		}
	}()
}

// snapshotOf is the kept decoding of data, waiting for it when it is still being made; nil
// when none is kept for it.
func (r *Registry) snapshotOf(data map[string]string) *snapshot {
	if r.snap == nil {
		return nil
	}
	if _, legacy := data[keyLegacySources]; legacy {
		return nil
	}
	r.snap.mu.Lock()
	snap := r.snap.kept
	r.snap.mu.Unlock()
	version, hasVersion := data[keyVersion]
	if snap == nil || !hasVersion || version != snap.version || data[keyRepos] != snap.repos {
		return nil
	}
	<-snap.done
	if snap.s == nil {
		return nil
	}
	return snap
}

func (r *Registry) keep(snap *snapshot) {
	r.snap.mu.Lock()
	defer r.snap.mu.Unlock()
	r.snap.kept = snap
}

// keptDecoding is where a Registry keeps its snapshot.
type keptDecoding struct {
	mu      gosync.Mutex
	kept    *snapshot
	decodes atomic.Int64 // decodings made on a read's path (for tests)
}
