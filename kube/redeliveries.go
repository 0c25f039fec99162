package kube

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The memory of redelivery (app/redeliver.go): which failed deliveries the leader asked GitHub
// to redeliver, kept in the apiserver so that a new leader does not ask again. One ConfigMap in
// Rigel's namespace holds it, gzipped JSON in binaryData: the time up to which the log was
// read, and per event (delivery GUID) still failing the last delivery redelivered and how
// often. An event is forgotten once it was delivered successfully, or when GitHub's window
// has passed.
const (
	RedeliveriesConfigMap = "rigel-redeliveries"
	redeliveriesKey       = "state.json.gz"
	// redeliveriesMax bounds the events remembered (about 35 bytes each, gzipped; the
	// ConfigMap's limit is 1 MiB): beyond it the oldest are forgotten, and may be redelivered
	// once more (the shared dedupe runs their command once all the same).
	redeliveriesMax = 20000
)

// RedeliveryState is what the leader remembers.
type RedeliveryState struct {
	// Read is the time of the newest delivery read at the end of the last complete round:
	// the next round reads the log down to a little before it.
	Read   time.Time             `json:"read"`
	Events map[string]Redelivery `json:"events"` // by GUID
}

// Redelivery is the memory of one event: the delivery last redelivered, how many times the
// event was, and when last.
type Redelivery struct {
	ID    int64     `json:"id"`
	Times int       `json:"n"`
	At    time.Time `json:"at"`
}

// Redeliveries keeps a RedeliveryState in ConfigMap RedeliveriesConfigMap.
type Redeliveries struct {
	Client    kubernetes.Interface
	Namespace string

	exists  bool   // the ConfigMap was there when last read or written
	version string // its resourceVersion then
}

// Load reads the state; an absent ConfigMap is an empty state.
func (s *Redeliveries) Load(ctx context.Context) (RedeliveryState, error) {
	st := RedeliveryState{Events: map[string]Redelivery{}}
	cm, err := s.Client.CoreV1().ConfigMaps(s.Namespace).Get(ctx, RedeliveriesConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		s.exists, s.version = false, ""
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("failed to read the record of redeliveries, ConfigMap %s/%s: %w", s.Namespace, RedeliveriesConfigMap, err)
	}
	s.exists, s.version = true, cm.ResourceVersion
	if raw := cm.BinaryData[redeliveriesKey]; len(raw) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			var data []byte
			if data, err = io.ReadAll(io.LimitReader(zr, 16<<20)); err == nil {
				err = json.Unmarshal(data, &st)
			}
		}
		if err != nil {
			return RedeliveryState{Events: map[string]Redelivery{}}, fmt.Errorf("failed to decode the record of redeliveries, ConfigMap %s/%s key %s (delete it to start afresh): %w", s.Namespace, RedeliveriesConfigMap, redeliveriesKey, err)
		}
	}
	if st.Events == nil {
		st.Events = map[string]Redelivery{}
	}
	return st, nil
}

// Save writes st, bounded to redeliveriesMax events (the newest kept). When another leader
// wrote meanwhile, its events are merged in and the write is tried again.
func (s *Redeliveries) Save(ctx context.Context, st RedeliveryState) error {
	for attempt := 0; ; attempt++ {
		err := s.write(ctx, bounded(st))
		if err == nil || !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) || attempt == 3 {
			if err != nil {
				return fmt.Errorf("failed to write the record of redeliveries, ConfigMap %s/%s: %w", s.Namespace, RedeliveriesConfigMap, err)
			}
			return nil
		}
		theirs, lerr := s.Load(ctx)
		if lerr != nil {
			return lerr
		}
		st = merged(st, theirs)
	}
}

func (s *Redeliveries) write(ctx context.Context, st RedeliveryState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data)
	if err := zw.Close(); err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name: RedeliveriesConfigMap, Namespace: s.Namespace, ResourceVersion: s.version,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "rigel"},
		},
		BinaryData: map[string][]byte{redeliveriesKey: buf.Bytes()},
	}
	cms := s.Client.CoreV1().ConfigMaps(s.Namespace)
	if !s.exists {
		cm, err = cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "rigel"})
	} else {
		cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "rigel"})
	}
	if err != nil {
		return err
	}
	s.exists, s.version = true, cm.ResourceVersion
	return nil
}

// bounded is st with at most redeliveriesMax events, the most recently redelivered kept.
func bounded(st RedeliveryState) RedeliveryState {
	if len(st.Events) <= redeliveriesMax {
		return st
	}
	guids := make([]string, 0, len(st.Events))
	for g := range st.Events {
		guids = append(guids, g)
	}
	sort.Slice(guids, func(i, j int) bool { return st.Events[guids[i]].At.After(st.Events[guids[j]].At) })
	kept := make(map[string]Redelivery, redeliveriesMax)
	for _, g := range guids[:redeliveriesMax] {
		kept[g] = st.Events[g]
	}
	return RedeliveryState{Read: st.Read, Events: kept}
}

// merged is ours with what theirs knows and ours does not: events redelivered more often
// there, and a later time read.
func merged(ours, theirs RedeliveryState) RedeliveryState {
	out := RedeliveryState{Read: ours.Read, Events: make(map[string]Redelivery, len(ours.Events))}
	if theirs.Read.After(out.Read) {
		out.Read = theirs.Read
	}
	for g, r := range ours.Events {
		out.Events[g] = r
	}
	for g, r := range theirs.Events {
		if mine, ok := out.Events[g]; !ok || r.Times > mine.Times {
			out.Events[g] = r
		}
	}
	return out
}
