package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Kubelet is a stand-in for the kubelet's log endpoint: a Node whose kubelet is an HTTPS server
// on 127.0.0.1 that answers `GET /containerLogs/{namespace}/{pod}/{container}` (the path the
// apiserver proxies pods/log to) with what SetLog stored. Pods scheduled on Node (spec.nodeName)
// have logs through the real apiserver, so tests read them as Rigel does (pods/log, RBAC
// included). The apiserver of the test bed does not verify the kubelet's serving certificate
// (no --kubelet-certificate-authority), as a default kube-apiserver does not.
type Kubelet struct {
	Node string
	srv  *httptest.Server
	mu   sync.Mutex
	logs map[string]string // "ns/pod/container" or "ns/pod/container/previous"
}

// StartKubelet creates Node node, served by a new log endpoint, until ctx ends.
func StartKubelet(ctx context.Context, cs kubernetes.Interface, node string) (*Kubelet, error) {
	k := &Kubelet{Node: node, logs: map[string]string{}}
	k.srv = httptest.NewTLSServer(http.HandlerFunc(k.serve))
	go func() { <-ctx.Done(); k.srv.Close() }()
	_, portText, err := net.SplitHostPort(strings.TrimPrefix(k.srv.URL, "https://"))
	if err != nil {
		return nil, fmt.Errorf("kubelet stand-in address %s: %w", k.srv.URL, err)
	}
	port, _ := strconv.Atoi(portText)
	n, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		n, err = cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", node, err)
	}
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}}
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		return nil, fmt.Errorf("write node %s status: %w", node, err)
	}
	return k, nil
}

// SetLog stores the log of a container (previous: of its last terminated instance, as
// `kubectl logs --previous` reads).
func (k *Kubelet) SetLog(namespace, pod, container string, previous bool, text string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.logs[logKey(namespace, pod, container, previous)] = text
}

func logKey(namespace, pod, container string, previous bool) string {
	key := namespace + "/" + pod + "/" + container
	if previous {
		key += "/previous"
	}
	return key
}

// serve answers the log requests, with tailLines and limitBytes applied as the kubelet does.
func (k *Kubelet) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if r.Method != http.MethodGet || len(parts) != 3 || !strings.HasPrefix(r.URL.Path, "/containerLogs/") {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	k.mu.Lock()
	text, ok := k.logs[logKey(parts[0], parts[1], parts[2], q.Get("previous") == "true")]
	k.mu.Unlock()
	if !ok {
		http.Error(w, fmt.Sprintf("container %q in pod %q is waiting to start", parts[2], parts[1]), http.StatusBadRequest)
		return
	}
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		lines := strings.SplitAfter(text, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		text = strings.Join(lines, "")
	}
	if n, err := strconv.Atoi(q.Get("limitBytes")); err == nil && n >= 0 && len(text) > n {
		text = text[:n]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(text))
}
