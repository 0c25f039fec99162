package testenv

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestAPIServerRestart: the apiserver goes away (connection refused) and comes back on the
// same URL with etcd's data intact; a client built before carries on.
func TestAPIServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd and kube-apiserver")
	}
	c, err := StartCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: "default"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	url := c.URL
	if err := c.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	if err := c.StopAPIServer(); err == nil {
		t.Fatal("stopping a stopped apiserver succeeded")
	}
	_, err = cs.CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("with the apiserver stopped: err = %v, want connection refused", err)
	}
	if err := c.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	if err := c.StartAPIServer(); err == nil {
		t.Fatal("starting a running apiserver succeeded")
	}
	if c.URL != url {
		t.Fatalf("URL changed from %s to %s", url, c.URL)
	}
	got, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "kept", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("after the restart: %v, %v", got, err)
	}
}
