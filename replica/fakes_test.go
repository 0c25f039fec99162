package replica

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
)

// Fakes for table tests without a cluster: the Leases of replicas over client-go's fake
// clientset (its objects are kept as written; it checks no resourceVersion), and a registry
// in memory. The tests of kube.Leases against a real apiserver are in package kube.

const testNS = "rigel"

var testMarkerKey = []byte("marker key of this installation")

// newCluster is an empty fake cluster.
func newCluster() *k8sfake.Clientset { return k8sfake.NewSimpleClientset() }

// leasesOn is the Leases of replica identity on cluster c, with short durations.
func leasesOn(c *k8sfake.Clientset, identity string) *Leases {
	return New(&kube.Leases{Client: c, Namespace: testNS, Identity: identity, Duration: time.Second, RenewEvery: 20 * time.Millisecond}, testMarkerKey)
}

// getLease reads the Lease name from c; nil when there is none.
func getLease(t *testing.T, c *k8sfake.Clientset, name string) *coordv1.Lease {
	t.Helper()
	l, err := c.CoordinationV1().Leases(testNS).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// putLease writes a Lease of kind held by holder, renewed at renewed (for 1 s), as another
// replica (or someone else) would have.
func putLease(t *testing.T, c *k8sfake.Clientset, name string, kind Kind, holder string, renewed time.Time, annotations map[string]string) {
	t.Helper()
	at := metav1.NewMicroTime(renewed)
	d := int32(1)
	l := &coordv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS, Labels: map[string]string{labelKind: string(kind)}, Annotations: annotations},
		Spec:       coordv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &d, AcquireTime: &at, RenewTime: &at},
	}
	if _, err := c.CoordinationV1().Leases(testNS).Create(context.Background(), l, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// listLeases are the names of the Leases of kind in c.
func listLeases(t *testing.T, c *k8sfake.Clientset, kind Kind) []string {
	t.Helper()
	list, err := c.CoordinationV1().Leases(testNS).List(context.Background(), metav1.ListOptions{LabelSelector: labelKind + "=" + string(kind)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range list.Items {
		names = append(names, l.Name)
	}
	return names
}

// ended waits (up to 5 s) for ctx to end and returns its cause.
func ended(t *testing.T, ctx context.Context) error {
	t.Helper()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-time.After(5 * time.Second):
		t.Fatal("the context did not end")
		return nil
	}
}

// fakeRegistry is a registry in memory; err fails every update.
type fakeRegistry struct {
	mu      gosync.Mutex
	sources config.Sources
	err     error
	updates int
}

func (r *fakeRegistry) Update(_ context.Context, mutate func(*config.Sources) error) (*config.Sources, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates++
	if r.err != nil {
		return nil, fmt.Errorf("failed to update ConfigMap %s/%s: %w", testNS, config.SourcesConfigMap, r.err)
	}
	next := r.copy()
	if err := mutate(&next); err != nil {
		return nil, err
	}
	r.sources = next
	return &next, nil
}

func (r *fakeRegistry) copy() config.Sources {
	s := config.Sources{Version: r.sources.Version}
	for _, repo := range r.sources.Repos {
		repo.Deployments = append([]config.Deployment(nil), repo.Deployments...)
		for i, d := range repo.Deployments {
			if d.LastSync != nil {
				ls := *d.LastSync
				repo.Deployments[i].LastSync = &ls
			}
		}
		s.Repos = append(s.Repos, repo)
	}
	return s
}

// lastSync is what the registry records of deployment; nil when nothing (or no deployment).
func (r *fakeRegistry) lastSync(deployment string) *config.LastSync {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, d := r.sources.FindDeployment(deployment)
	if d == nil {
		return nil
	}
	return d.LastSync
}

// registryWith is a registry holding deployment web of acme/shop, last synced at last (nil: never).
func registryWith(last *config.LastSync) *fakeRegistry {
	return &fakeRegistry{sources: config.Sources{Version: config.SchemaVersion, Repos: []config.Repo{
		{Repo: "acme/shop", Branch: "main", Deployments: []config.Deployment{{Name: "web", Path: "k8s", LastSync: last}}}}}}
}

var errUnreachable = errors.New("the apiserver is unreachable")

type clientset = *k8sfake.Clientset

// deleteLease deletes the Lease name from c, as someone else would.
func deleteLease(t *testing.T, c *k8sfake.Clientset, name string) {
	t.Helper()
	if err := c.CoordinationV1().Leases(testNS).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}
