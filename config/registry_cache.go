package config

import (
	"context"
	"maps"
	gosync "sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A Registry remembers the ConfigMap as it last read or wrote it (issue 14), so that an
// Update first tries its write on that version without reading the ConfigMap again: at 2,000
// deployments (800 KB) the read is half of an update. The apiserver refuses that write with
// a Conflict when the ConfigMap changed since (another replica, an admin's edit): the update
// then reads it and goes on as it always did. Anything else that is not a write made on the
// remembered version (mutate refuses, the size check, nothing to change, an error) is decided
// again on a fresh read, so a stale memory never refuses, skips or loses an update.
type seenConfigMap struct {
	mu gosync.Mutex
	cm *corev1.ConfigMap // read only
}

// remember keeps cm as the version to write on next. One without a resourceVersion is not
// kept: a write on it would not be conditional (a client that does not keep them, such as
// client-go's fake clientset, would let a stale write through).
func (r *Registry) remember(cm *corev1.ConfigMap) {
	if r.seen == nil || cm == nil || cm.ResourceVersion == "" {
		return
	}
	r.seen.mu.Lock()
	defer r.seen.mu.Unlock()
	if r.seen.cm == nil || r.seen.cm.ResourceVersion != cm.ResourceVersion {
		r.seen.cm = cm
	}
}

func (r *Registry) remembered() *corev1.ConfigMap {
	if r.seen == nil {
		return nil
	}
	r.seen.mu.Lock()
	defer r.seen.mu.Unlock()
	return r.seen.cm
}

// updateRemembered is one read-free update on the remembered ConfigMap. ok: it was written,
// and s is the registry as written, or mutate refused (err) the ConfigMap as it still is.
// Otherwise the caller updates as usual; tried, when set, is the data of a write whose outcome
// is unknown (the caller's sent), and err why.
func (r *Registry) updateRemembered(ctx context.Context, mutate func(*Sources) error) (s *Sources, tried map[string]string, ok bool, err error) {
	cm := r.remembered()
	if cm == nil {
		return nil, nil, false, nil
	}
	s, err = r.decode(ctx, cm.Data)
	if err != nil {
		return nil, nil, false, nil
	}
	if merr := mutate(s); merr != nil {
		// Refused on what this replica saw: final when the ConfigMap has not changed since
		// (mutate is not asked again about the same data), else asked again on the new one.
		now, gerr := r.client.CoreV1().ConfigMaps(r.namespace).Get(ctx, SourcesConfigMap, metav1.GetOptions{})
		if gerr == nil && now.ResourceVersion == cm.ResourceVersion {
			return nil, nil, true, merr
		}
		return nil, nil, false, nil
	}
	sortSources(s)
	data, err := encodeDataReusing(cm.Data, s, r.lines)
	if err != nil || maps.Equal(data, cm.Data) || checkSize(r.namespace, data, s, r.maxBytes) != nil {
		return nil, nil, false, nil
	}
	next := cm.DeepCopy()
	next.Data = data // carries the remembered resourceVersion: a Conflict when it changed since
	written, err := r.client.CoreV1().ConfigMaps(r.namespace).Update(ctx, next, metav1.UpdateOptions{FieldManager: "rigel"})
	if err != nil {
		if transient(err) {
			return nil, data, false, err
		}
		return nil, nil, false, nil
	}
	r.remember(written)
	r.decodeLater(written.Data)
	return s, nil, true, nil
}
