package kube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Labels and annotations of the records of Seen.
const (
	SeenLabel          = "rigel.dev/seen"      // "event" on every record
	SeenKeyAnnotation  = "rigel.dev/event-key" // the key, as handlers.EventKey makes it
	SeenByAnnotation   = "rigel.dev/replica"   // the replica that claimed it
	seenNamePrefix     = "rigel-seen-"
	seenKeyAnnotateMax = 256
)

// Seen is the store of events already run, shared by all replicas and kept across restarts:
// one small ConfigMap per event key in Rigel's namespace, named from a hash of the key and
// labelled rigel.dev/seen=event. Create-if-absent is the claim: the apiserver lets exactly
// one create of a name succeed, so of several replicas (or a restarted one) receiving the
// same event, one runs it. Sweep (the leader) deletes records by age and count.
type Seen struct {
	Client    kubernetes.Interface
	Namespace string
	Identity  string // this replica, recorded on the records it creates
}

// SeenName is the name of the record of key.
func SeenName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return seenNamePrefix + hex.EncodeToString(sum[:20])
}

// Claim records key; it reports false (and no error) when a record of key exists already.
func (s *Seen) Claim(ctx context.Context, key string) (bool, error) {
	shown := key
	if len(shown) > seenKeyAnnotateMax {
		shown = shown[:seenKeyAnnotateMax]
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name:        SeenName(key),
		Namespace:   s.Namespace,
		Labels:      map[string]string{SeenLabel: "event", "app.kubernetes.io/managed-by": "rigel"},
		Annotations: map[string]string{SeenKeyAnnotation: shown, SeenByAnnotation: s.Identity},
	}}
	_, err := s.Client.CoreV1().ConfigMaps(s.Namespace).Create(ctx, cm, metav1.CreateOptions{FieldManager: "rigel"})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsAlreadyExists(err):
		return false, nil
	}
	return false, fmt.Errorf("failed to record event %s in ConfigMap %s/%s: %w", shown, s.Namespace, cm.Name, err)
}

// Sweep deletes the records older than maxAge, and the oldest beyond maxCount (0: no count
// bound); it returns how many it deleted. A record deleted by another sweeper meanwhile is
// not an error.
func (s *Seen) Sweep(ctx context.Context, now time.Time, maxAge time.Duration, maxCount int) (int, error) {
	cms := s.Client.CoreV1().ConfigMaps(s.Namespace)
	type rec struct {
		name    string
		created time.Time
	}
	var all []rec
	opts := metav1.ListOptions{LabelSelector: SeenLabel + "=event", Limit: 500}
	for {
		list, err := cms.List(ctx, opts)
		if err != nil {
			return 0, fmt.Errorf("failed to list the records of events in %s: %w", s.Namespace, err)
		}
		for _, cm := range list.Items {
			all = append(all, rec{cm.Name, cm.CreationTimestamp.Time})
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			break
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].created.After(all[j].created) }) // newest first
	deleted := 0
	for i, r := range all {
		if now.Sub(r.created) <= maxAge && (maxCount <= 0 || i < maxCount) {
			continue
		}
		if err := cms.Delete(ctx, r.name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return deleted, fmt.Errorf("failed to delete the record of an event, ConfigMap %s/%s: %w", s.Namespace, r.name, err)
		}
		deleted++
	}
	return deleted, nil
}
