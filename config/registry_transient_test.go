package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// faults sits in front of the real apiserver: it refuses connections for a while, or lets a
// write through and loses its answer.
type faults struct {
	next http.RoundTripper

	mu         gosync.Mutex
	refuseTill time.Time
	loseWrites int // writes carried out whose answer is replaced by a reset connection
	refused    int
	lost       int
}

func (f *faults) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	if time.Now().Before(f.refuseTill) {
		f.refused++
		f.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &osSyscallError{syscall.ECONNREFUSED}}
	}
	lose := (req.Method == http.MethodPut || req.Method == http.MethodPost) && f.loseWrites > 0
	if lose {
		f.loseWrites--
		f.lost++
	}
	f.mu.Unlock()
	resp, err := f.next.RoundTrip(req)
	if lose && err == nil {
		resp.Body.Close()
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: &osSyscallError{syscall.ECONNRESET}}
	}
	return resp, err
}

// osSyscallError wraps an errno as os.SyscallError does ("connect: connection refused").
type osSyscallError struct{ errno syscall.Errno }

func (e *osSyscallError) Error() string { return "connect: " + e.errno.Error() }
func (e *osSyscallError) Unwrap() error { return e.errno }

func faultyClient(t *testing.T) (kubernetes.Interface, *faults) {
	t.Helper()
	cfg := rest.CopyConfig(cluster.Config)
	cfg.QPS, cfg.Burst = 1000, 1000
	f := &faults{}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { f.next = rt; return f }
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs, f
}

func TestUpdateWaitsForTheAPIServer(t *testing.T) {
	ctx, ns := testCtx(t), newNamespace(t)
	cs, f := faultyClient(t)
	reg := NewRegistry(cs, ns)
	f.mu.Lock()
	f.refuseTill = time.Now().Add(3 * time.Second)
	f.mu.Unlock()
	start := time.Now()
	if _, err := reg.Update(ctx, func(s *Sources) error {
		return s.AddDeployment(Repo{Repo: "acme/web", Branch: "main"}, Deployment{Name: "web", Path: "k8s"})
	}); err != nil {
		t.Fatalf("Update failed while the apiserver was away for 3s: %v", err)
	}
	if took := time.Since(start); took < 3*time.Second || f.refused < 2 {
		t.Fatalf("Update returned after %s and %d refused connections: it did not wait", took, f.refused)
	}
	if r, _ := mustLoad(t, reg).FindDeployment("web"); r == nil {
		t.Fatal("the update was not recorded")
	}
}

func TestUpdateGivesUpAfterItsBudget(t *testing.T) {
	ctx, ns := testCtx(t), newNamespace(t)
	cs, f := faultyClient(t)
	reg := NewRegistry(cs, ns)
	reg.transientBudget = time.Second
	f.mu.Lock()
	f.refuseTill = time.Now().Add(time.Hour)
	f.mu.Unlock()
	start := time.Now()
	_, err := reg.Update(ctx, func(s *Sources) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "failed to update ConfigMap") {
		t.Fatalf("err = %v, want the connection failure", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("gave up after %s, want about 1s", took)
	}

	// a context that ends stops the wait too
	reg.transientBudget = time.Hour
	cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := reg.Update(cctx, func(s *Sources) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's end", err)
	}
}

// TestUpdateLostAnswerIsNotAppliedTwice: the write reaches etcd but its answer is lost. The
// retry sees its own data in the ConfigMap and stops, instead of reapplying mutate (which
// would fail here: the name is taken, by itself).
func TestUpdateLostAnswerIsNotAppliedTwice(t *testing.T) {
	for _, existing := range []bool{false, true} { // the write is a create, or an update
		t.Run(fmt.Sprintf("configmap exists %v", existing), func(t *testing.T) {
			ctx, ns := testCtx(t), newNamespace(t)
			cs, f := faultyClient(t)
			reg := NewRegistry(cs, ns)
			if existing {
				if _, err := reg.Update(ctx, func(s *Sources) error {
					return s.AddDeployment(Repo{Repo: "acme/api", Branch: "main"}, Deployment{Name: "api", Path: "k8s"})
				}); err != nil {
					t.Fatal(err)
				}
			}
			f.mu.Lock()
			f.loseWrites = 1
			f.mu.Unlock()
			calls := 0
			s, err := reg.Update(ctx, func(s *Sources) error {
				calls++
				return s.AddDeployment(Repo{Repo: "acme/web", Branch: "main"}, Deployment{Name: "web", Path: "k8s"})
			})
			if err != nil {
				t.Fatalf("Update after a lost answer: %v (mutate called %d times)", err, calls)
			}
			if f.lost != 1 || calls != 1 {
				t.Fatalf("%d answers lost, mutate called %d times; want 1 and 1", f.lost, calls)
			}
			if r, _ := s.FindDeployment("web"); r == nil {
				t.Fatal("Update did not return the registry as written")
			}
			if r, _ := mustLoad(t, reg).FindDeployment("web"); r == nil {
				t.Fatal("the update was not recorded")
			}
		})
	}
}

func mustLoad(t *testing.T, reg *Registry) *Sources {
	t.Helper()
	s, err := reg.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
