package sync

import (
	"context"
	"fmt"
	"os"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// One test cluster for the package, started by the first test that needs it.
var (
	clusterOnce gosync.Once
	theCluster  *testenv.Cluster
	theClient   *kube.Client
	clusterErr  error
	nsCounter   atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theCluster != nil {
		theCluster.Stop()
	}
	os.Exit(code)
}

// cluster returns a client of the package's test cluster, starting it on first use.
func cluster(t testing.TB) *kube.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a test cluster (etcd + kube-apiserver)")
	}
	clusterOnce.Do(func() {
		theCluster, clusterErr = testenv.StartCluster()
		if clusterErr != nil {
			return
		}
		theClient, clusterErr = kube.New(theCluster.Config)
	})
	if clusterErr != nil {
		t.Fatalf("failed to start the test cluster: %v", clusterErr)
	}
	return theClient
}

// newEngine returns an engine on the test cluster.
func newEngine(t testing.TB) *Engine {
	return &Engine{Kube: cluster(t)}
}

// newNamespace creates a namespace with a unique name starting with prefix.
func newNamespace(t testing.TB, prefix string) string {
	t.Helper()
	cluster(t)
	name := fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, nsCounter.Add(1))
	if err := theCluster.CreateNamespace(name); err != nil {
		t.Fatal(err)
	}
	return name
}

// uniqueName returns a name no other test uses, for objects that are not namespaced.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, nsCounter.Add(1))
}

// objs parses YAML documents into Objects with the given source.
func objs(t testing.TB, source string, docs ...string) []Object {
	t.Helper()
	var out []Object
	for _, d := range docs {
		us, err := parseYAML(source, []byte(d))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			out = append(out, Object{Obj: u, Source: source})
		}
	}
	return out
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// live reads an object from the cluster.
func live(t testing.TB, ctx context.Context, r Ref) *unstructured.Unstructured {
	t.Helper()
	m, err := theClient.Mapping(schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind})
	if err != nil {
		t.Fatal(err)
	}
	u, err := theClient.Resource(m, r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("failed to get %s: %v", r, err)
	}
	return u
}
