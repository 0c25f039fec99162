package config

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/gitsrc"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// Registry reads and updates the sources registry, the ConfigMap helmsman-git-sources.
// It keeps no state but the version of the ConfigMap it saw last, which an update tries its
// write on first (registry_cache.go): several Registries (replicas) may update the same
// ConfigMap at once.
type Registry struct {
	client    kubernetes.Interface
	namespace string
	backoff   wait.Backoff // also bounds the attempts after write conflicts (Steps)

	transientBudget time.Duration
	maxBytes        int // the most the ConfigMap's data may hold (MaxRegistryBytes; tests lower it)

	gitHost gitsrc.Host // clone URLs are checked against it when read (registry_creds.go); zero: not checked

	seen  *seenConfigMap // the ConfigMap as last read or written (registry_cache.go)
	snap  *keptDecoding  // the registry as last decoded (registry_snapshot.go)
	lines *encodedLines  // the deployments' lines as last written (registry_encode.go)
}

// updateBackoff is long enough for dozens of writers racing on one ConfigMap: jittered
// so they spread out, about 30 s in total at worst.
var updateBackoff = wait.Backoff{Steps: 40, Duration: 5 * time.Millisecond, Factor: 1.4, Jitter: 1.0, Cap: time.Second}

// NewRegistry returns the registry kept in namespace.
func NewRegistry(client kubernetes.Interface, namespace string) *Registry {
	return &Registry{client: client, namespace: namespace, backoff: updateBackoff, transientBudget: transientBudget, maxBytes: MaxRegistryBytes, seen: &seenConfigMap{}, snap: &keptDecoding{}, lines: &encodedLines{}}
}

// Load returns the registry. A missing ConfigMap is an empty registry; the legacy layout is
// migrated in memory (Load never writes).
func (r *Registry) Load(ctx context.Context) (*Sources, error) {
	cm, err := r.client.CoreV1().ConfigMaps(r.namespace).Get(ctx, SourcesConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return &Sources{Version: SchemaVersion, Repos: []Repo{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read ConfigMap %s/%s: %w", r.namespace, SourcesConfigMap, err)
	}
	r.remember(cm)
	s, err := r.decode(ctx, cm.Data)
	if err != nil {
		return nil, fmt.Errorf("failed to load registry from ConfigMap %s/%s: %w", r.namespace, SourcesConfigMap, err)
	}
	r.reportCloneURLs(ctx, s)
	return s, nil
}

// mutateError carries an error that retrying cannot fix out of the retry loop: the caller's
// (fromMutate) or a broken registry. It has no Unwrap on purpose: it must never look
// retriable.
type mutateError struct {
	err        error
	fromMutate bool
}

func (e *mutateError) Error() string { return e.err.Error() }

// racing reports the errors of writers racing on the ConfigMap: read again and retry.
func racing(err error) bool {
	var me *mutateError
	if errors.As(err, &me) {
		return false
	}
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
}

// Update reads the registry (migrating the legacy layout), applies mutate and writes the
// result with the ConfigMap's resourceVersion, creating the ConfigMap when missing. On a
// write conflict it reads again and reapplies mutate, so concurrent updates never lose one;
// mutate must therefore only depend on the Sources it is given. While the apiserver cannot be
// reached or is overloaded (see transient) it keeps trying for up to transientBudget, so a
// result is recorded once the apiserver is back; a write whose answer was lost is recognised
// when it landed, and not made twice. An error from mutate aborts with nothing written and is
// returned as is. An update that would make the ConfigMap larger than the apiserver accepts is
// refused before the write with a *RegistryFull (wrapped). Update returns the registry as
// written.
func (r *Registry) Update(ctx context.Context, mutate func(*Sources) error) (*Sources, error) {
	backoff := r.backoff
	deadline := time.Now().Add(r.transientBudget)
	// first without reading, on the version last seen (registry_cache.go)
	s, tried, ok, err := r.updateRemembered(ctx, mutate)
	if ok {
		return s, err
	}
	sent := tried // the data of a write whose outcome is unknown
	if tried != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Int("attempt", 0).Msg("the registry cannot be written now; retrying")
	}
	for attempt := 1; ; attempt++ {
		s, tried, err := r.updateOnce(ctx, mutate, sent)
		if err == nil {
			return s, nil
		}
		var me *mutateError
		switch {
		case errors.As(err, &me) && me.fromMutate:
			return nil, me.err
		case errors.As(err, &me):
			return nil, fmt.Errorf("failed to update ConfigMap %s/%s: %w", r.namespace, SourcesConfigMap, me.err)
		case racing(err) && attempt < r.backoff.Steps:
		case transient(err) && time.Now().Before(deadline):
			if tried != nil {
				sent = tried
			}
			zerolog.Ctx(ctx).Warn().Err(err).Int("attempt", attempt).Msg("the registry cannot be written now; retrying")
		default:
			return nil, fmt.Errorf("failed to update ConfigMap %s/%s: %w", r.namespace, SourcesConfigMap, err)
		}
		t := time.NewTimer(backoff.Step())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("failed to update ConfigMap %s/%s: %w (gave up: %w)", r.namespace, SourcesConfigMap, err, ctx.Err())
		case <-t.C:
		}
	}
}

// updateOnce makes one read-mutate-write. sent is the data of an earlier write whose answer
// was lost: when the ConfigMap holds exactly that, the write landed and is not made again.
// On a failed write it also returns the data it tried to write.
func (r *Registry) updateOnce(ctx context.Context, mutate func(*Sources) error, sent map[string]string) (*Sources, map[string]string, error) {
	cms := r.client.CoreV1().ConfigMaps(r.namespace)
	cm, err := cms.Get(ctx, SourcesConfigMap, metav1.GetOptions{})
	missing := apierrors.IsNotFound(err)
	if err != nil && !missing {
		return nil, nil, fmt.Errorf("failed to read: %w", err)
	}
	var old map[string]string
	if !missing {
		old = cm.Data
	}
	s, err := r.decode(ctx, old)
	if err != nil {
		return nil, nil, &mutateError{err: err} // a broken registry does not heal by retrying
	}
	if sent != nil && !missing && maps.Equal(old, sent) {
		return s, nil, nil // the earlier write landed
	}
	if err := mutate(s); err != nil {
		return nil, nil, &mutateError{err: err, fromMutate: true}
	}
	sortSources(s)
	data, err := encodeDataReusing(old, s, r.lines)
	if err != nil {
		return nil, nil, &mutateError{err: err}
	}
	if err := checkSize(r.namespace, data, s, r.maxBytes); err != nil { // registry_size.go
		return nil, nil, &mutateError{err: err, fromMutate: true} // returned as is: it says what to do
	}
	var written *corev1.ConfigMap
	switch {
	case missing:
		written, err = cms.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{
				Name:      SourcesConfigMap,
				Namespace: r.namespace,
				Labels:    map[string]string{"app.kubernetes.io/managed-by": "rigel"},
			},
			Data: data,
		}, metav1.CreateOptions{FieldManager: "rigel"})
	case maps.Equal(data, cm.Data):
		return s, nil, nil // nothing changed
	default:
		cm = cm.DeepCopy()
		cm.Data = data // carries cm.ResourceVersion: a concurrent write makes this a Conflict
		written, err = cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "rigel"})
	}
	if err != nil {
		return nil, data, fmt.Errorf("failed to write: %w", err)
	}
	r.remember(written)
	r.decodeLater(written.Data)
	return s, nil, nil
}
