package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var cluster *testenv.Cluster

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	cluster, err = testenv.StartCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cluster.Stop()
	os.Exit(code)
}

var nsCounter atomic.Int64

// newNamespace creates a namespace of its own for the test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(fmt.Sprintf("cfg-%d-%s", nsCounter.Add(1), SanitizeName(t.Name())))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	if err := cluster.CreateNamespace(name); err != nil {
		t.Fatal(err)
	}
	return name
}

// newClient returns a clientset without client-side throttling, so concurrent tests
// race on the server, not in the rate limiter.
func newClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	cfg := rest.CopyConfig(cluster.Config)
	cfg.QPS, cfg.Burst = 1000, 1000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
