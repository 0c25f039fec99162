package testenv

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd and kube-apiserver")
	}
	c, err := StartCluster()
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			c.Stop()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("serves the Kubernetes version of its wrapper module", func(t *testing.T) {
		want, err := wantAPIServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		got, err := cs.Discovery().ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		if got.GitVersion != want {
			t.Fatalf("kube-apiserver /version says %s, its wrapper module requires k8s.io/kubernetes %s", got.GitVersion, want)
		}
		t.Logf("kube-apiserver %s", got.GitVersion)
	})

	t.Run("create namespace and configmap", func(t *testing.T) {
		if err := c.CreateNamespace("cluster-test"); err != nil {
			t.Fatal(err)
		}
		if err := c.CreateNamespace("cluster-test"); err != nil {
			t.Fatalf("second CreateNamespace should accept an existing namespace: %v", err)
		}
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "one", Namespace: "cluster-test"},
			Data:       map[string]string{"k": "v1"},
		}
		if _, err := cs.CoreV1().ConfigMaps("cluster-test").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := cs.CoreV1().ConfigMaps("cluster-test").Get(ctx, "one", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["k"] != "v1" {
			t.Fatalf("data = %v, want k=v1", got.Data)
		}
	})

	t.Run("server-side apply dry-run does not persist", func(t *testing.T) {
		patch := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one","namespace":"cluster-test"},"data":{"k":"v2"}}`)
		res, err := cs.CoreV1().ConfigMaps("cluster-test").Patch(ctx, "one", types.ApplyPatchType, patch,
			metav1.PatchOptions{FieldManager: "rigel-test", Force: ptr(true), DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Data["k"] != "v2" {
			t.Fatalf("dry-run result data = %v, want k=v2", res.Data)
		}
		got, err := cs.CoreV1().ConfigMaps("cluster-test").Get(ctx, "one", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["k"] != "v1" {
			t.Fatalf("stored data = %v after dry-run, want k=v1", got.Data)
		}
	})

	t.Run("pods can be created without service accounts", func(t *testing.T) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "cluster-test"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}
		if _, err := cs.CoreV1().Pods("cluster-test").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("kubeconfig works", func(t *testing.T) {
		cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		kc, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kc.CoreV1().Namespaces().Get(ctx, "cluster-test", metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("unknown token is rejected", func(t *testing.T) {
		cfg := rest.CopyConfig(c.Config)
		cfg.BearerToken = "not-a-token"
		kc, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = kc.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if !apierrors.IsUnauthorized(err) {
			t.Fatalf("err = %v, want Unauthorized", err)
		}
	})

	t.Run("stop ends the servers and removes the temp dir", func(t *testing.T) {
		u, err := url.Parse(c.URL)
		if err != nil {
			t.Fatal(err)
		}
		c.Stop()
		stopped = true
		c.Stop() // idempotent
		if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			conn.Close()
			t.Fatalf("apiserver still listening on %s after Stop", u.Host)
		}
		if _, err := os.Stat(c.LogDir); !os.IsNotExist(err) {
			t.Fatalf("temp dir %s still there after Stop (err %v)", c.LogDir, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// wantAPIServerVersion is the k8s.io/kubernetes version the wrapper module of the apiserver
// this run starts (RIGEL_TESTBED_APISERVER) requires: what its /version must say.
func wantAPIServerVersion() (string, error) {
	_, module, err := apiserverName()
	if err != nil {
		return "", err
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(root, "testbed", module, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "k8s.io/kubernetes" && strings.HasPrefix(f[1], "v1.") {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("testbed/%s/go.mod requires no k8s.io/kubernetes version", module)
}

func TestAPIServerName(t *testing.T) {
	for _, tc := range []struct {
		env, name, module string
		bad               bool
	}{
		{env: "", name: "kube-apiserver", module: "apiserver"},
		{env: "kube-apiserver", name: "kube-apiserver", module: "apiserver"},
		{env: "kube-apiserver-1.35", name: "kube-apiserver-1.35", module: "apiserver-1.35"},
		{env: "etcd", bad: true},
		{env: "/usr/bin/kube-apiserver", bad: true},
		{env: "kube-apiserver/../../x", bad: true},
		{env: "kube-apiserver-..", bad: true},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv("RIGEL_TESTBED_APISERVER", tc.env)
			name, module, err := apiserverName()
			if tc.bad {
				if err == nil || !strings.Contains(err.Error(), "RIGEL_TESTBED_APISERVER") {
					t.Fatalf("apiserverName() = %q, %q, %v; want an error naming RIGEL_TESTBED_APISERVER", name, module, err)
				}
				return
			}
			if err != nil || name != tc.name || module != tc.module {
				t.Fatalf("apiserverName() = %q, %q, %v; want %q, %q", name, module, err, tc.name, tc.module)
			}
		})
	}
}
