package config

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// DriftConfigMap is the ConfigMap in Rigel's namespace where the leader keeps what its latest
// drift checks found (issue 12), so that every replica can show it. It is Rigel's working
// state, not a contract: the registry (helmsman-git-sources) holds no drift.
const DriftConfigMap = "rigel-drift"

// driftStateKey is the key of the ConfigMap's data that holds the JSON.
const driftStateKey = "drift.json"

// DriftStateLimit bounds the JSON the leader writes: the entries (in name order) that do not
// fit are left out, and the replicas say "not checked yet" of them.
const DriftStateLimit = 256 << 10

// DriftEntry is what the latest drift check of one deployment found, as stored.
type DriftEntry struct {
	Commit    string    `json:"commit"`
	CheckedAt time.Time `json:"checkedAt"`
	State     string    `json:"state"`
	Create    int       `json:"create,omitempty"`
	Update    int       `json:"update,omitempty"`
	Refused   int       `json:"refused,omitempty"`
	Rejected  int       `json:"rejected,omitempty"`
	// Previous is the last check before a skipped one (state "skipped"), one level.
	Previous *DriftEntry `json:"previous,omitempty"`
}

// driftStateDoc is the stored document.
type driftStateDoc struct {
	Version     int                   `json:"version"`
	Deployments map[string]DriftEntry `json:"deployments"`
}

// DriftStore reads and writes the ConfigMap rigel-drift.
type DriftStore struct {
	client    kubernetes.Interface
	namespace string
}

// NewDriftStore is the drift state kept in namespace.
func NewDriftStore(client kubernetes.Interface, namespace string) *DriftStore {
	return &DriftStore{client: client, namespace: namespace}
}

var (
	driftCommitRE = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)
	driftStates   = map[string]bool{"in-sync": true, "drifted": true, "render-failed": true, "policy": true, "rejected": true, "skipped": true}
)

// valid says whether an entry read back is one Rigel could have written: whoever may write
// ConfigMaps in Rigel's namespace can write this one, so an entry with an unknown state, a
// commit that is not one, or negative counts is left out (the replica says "not checked yet").
func (e DriftEntry) valid() bool {
	if !driftCommitRE.MatchString(e.Commit) || !driftStates[e.State] || e.CheckedAt.IsZero() ||
		e.Create < 0 || e.Update < 0 || e.Refused < 0 || e.Rejected < 0 {
		return false
	}
	return e.Previous == nil || (e.Previous.Previous == nil && e.Previous.valid())
}

// Load is the drift state as the leader last wrote it, by deployment; a missing ConfigMap is
// empty, and invalid entries are left out.
func (s *DriftStore) Load(ctx context.Context) (map[string]DriftEntry, error) {
	cm, err := s.client.CoreV1().ConfigMaps(s.namespace).Get(ctx, DriftConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return map[string]DriftEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read ConfigMap %s/%s: %w", s.namespace, DriftConfigMap, err)
	}
	raw := cm.Data[driftStateKey]
	if len(raw) > DriftStateLimit*2 {
		return nil, fmt.Errorf("ConfigMap %s/%s holds %d bytes of drift state, more than Rigel writes", s.namespace, DriftConfigMap, len(raw))
	}
	var doc driftStateDoc
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			return nil, fmt.Errorf("ConfigMap %s/%s: %s is not Rigel's drift state: %w", s.namespace, DriftConfigMap, driftStateKey, err)
		}
	}
	out := make(map[string]DriftEntry, len(doc.Deployments))
	for name, e := range doc.Deployments {
		if e.valid() {
			out[name] = e
		}
	}
	return out, nil
}

// Save replaces the drift state with entries (those that fit in DriftStateLimit, in name
// order); it returns how many were left out.
func (s *DriftStore) Save(ctx context.Context, entries map[string]DriftEntry) (int, error) {
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	doc := driftStateDoc{Version: 1, Deployments: map[string]DriftEntry{}}
	size, left := 0, 0
	for _, n := range names {
		b, err := json.Marshal(entries[n])
		if err != nil {
			return 0, err
		}
		if size+len(b)+len(n)+8 > DriftStateLimit {
			left++
			continue
		}
		size += len(b) + len(n) + 8
		doc.Deployments[n] = entries[n]
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return 0, err
	}
	api := s.client.CoreV1().ConfigMaps(s.namespace)
	cm, err := api.Get(ctx, DriftConfigMap, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: DriftConfigMap, Namespace: s.namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "rigel"}}}
		cm.Data = map[string]string{driftStateKey: string(b)}
		_, err = api.Create(ctx, cm, metav1.CreateOptions{})
	case err == nil:
		cm.Data = map[string]string{driftStateKey: string(b)}
		_, err = api.Update(ctx, cm, metav1.UpdateOptions{})
	}
	if err != nil {
		return 0, fmt.Errorf("failed to write ConfigMap %s/%s: %w", s.namespace, DriftConfigMap, err)
	}
	return left, nil
}
