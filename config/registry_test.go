package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func getCM(t *testing.T, cs kubernetes.Interface, ns string) *corev1.ConfigMap {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func TestLoadMissingConfigMap(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	s, err := NewRegistry(cs, ns).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != SchemaVersion || len(s.Repos) != 0 {
		t.Fatalf("want empty registry, got %+v", s)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, SourcesConfigMap, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("Load must not create the ConfigMap: %v", err)
	}
}

func TestUpdateCreatesAndRoundTrips(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	reg := NewRegistry(cs, ns)
	synced := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	written, err := reg.Update(ctx, func(s *Sources) error {
		for _, a := range []struct{ repo, name, path string }{
			{"acme/web", "web", "apps/web/k8s"},
			{"acme/api", "api", "deploy"},
			{"acme/web", "admin", "apps/admin"},
		} {
			if err := s.AddDeployment(Repo{Repo: a.repo, Branch: "main", InstallationID: 4711}, Deployment{Name: a.name, Path: a.path}); err != nil {
				return err
			}
		}
		return s.SetLastSync("web", LastSync{Commit: "0123456789abcdef0123456789abcdef01234567", Time: synced, Status: "Succeeded"})
	})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := reg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(written, loaded) {
		t.Fatalf("Load after Update differs:\nwritten %+v\nloaded  %+v", written, loaded)
	}
	_, d := loaded.FindDeployment("web")
	if d.LastSync == nil || !d.LastSync.Time.Equal(synced) {
		t.Fatalf("last sync lost: %+v", d.LastSync)
	}
	cm := getCM(t, cs, ns)
	if cm.Data["version"] != "2" {
		t.Fatalf("version = %q", cm.Data["version"])
	}
	if cm.Labels["app.kubernetes.io/managed-by"] != "rigel" {
		t.Fatalf("labels = %v", cm.Labels)
	}
	golden(t, "repos.yaml", cm.Data["repos.yaml"])
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestUpdateKeepsOtherKeys(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: SourcesConfigMap},
		Data:       map[string]string{"version": "2", "repos.yaml": "[]\n", "note": "hand-written"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewRegistry(cs, ns).Update(ctx, func(s *Sources) error {
		return s.AddDeployment(Repo{Repo: "acme/web", Branch: "main"}, Deployment{Name: "web", Path: "k8s"})
	}); err != nil {
		t.Fatal(err)
	}
	cm := getCM(t, cs, ns)
	if cm.Data["note"] != "hand-written" || !strings.Contains(cm.Data["repos.yaml"], `"name":"web"`) {
		t.Fatalf("data = %v", cm.Data)
	}
}

func TestUpdateMutateErrorWritesNothing(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	reg := NewRegistry(cs, ns)
	if _, err := reg.Update(ctx, func(s *Sources) error {
		return s.AddDeployment(Repo{Repo: "acme/web", Branch: "main"}, Deployment{Name: "web", Path: "k8s"})
	}); err != nil {
		t.Fatal(err)
	}
	before := getCM(t, cs, ns)

	tests := []struct {
		desc   string
		mutate func(*Sources) error
		check  func(t *testing.T, err error)
	}{
		{"name taken", func(s *Sources) error {
			if err := s.RemoveDeployment("web"); err != nil { // changes that must not be written
				return err
			}
			_ = s.AddDeployment(Repo{Repo: "acme/x"}, Deployment{Name: "x", Path: "x"})
			return s.AddDeployment(Repo{Repo: "acme/x"}, Deployment{Name: "x", Path: "y"})
		}, func(t *testing.T, err error) {
			var nt *NameTakenError
			if !errors.As(err, &nt) || nt.Name != "x" {
				t.Fatalf("err = %v, want *NameTakenError", err)
			}
		}},
		{"wrapped sentinel", func(s *Sources) error {
			s.Repos = nil
			return fmt.Errorf("user said no: %w", context.Canceled)
		}, func(t *testing.T, err error) {
			if !errors.Is(err, context.Canceled) || err.Error() != "user said no: context canceled" {
				t.Fatalf("err = %v, want the mutate error as is", err)
			}
		}},
		{"mutate returns a conflict", func(s *Sources) error {
			s.Repos = nil
			return apierrors.NewConflict(corev1.Resource("configmaps"), "x", errors.New("fake"))
		}, func(t *testing.T, err error) {
			if !apierrors.IsConflict(err) {
				t.Fatalf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			calls := 0
			_, err := reg.Update(ctx, func(s *Sources) error { calls++; return tt.mutate(s) })
			tt.check(t, err)
			if calls != 1 {
				t.Fatalf("mutate called %d times; a mutate error must not be retried", calls)
			}
			after := getCM(t, cs, ns)
			if after.ResourceVersion != before.ResourceVersion {
				t.Fatalf("ConfigMap written after a mutate error:\n%v", after.Data)
			}
		})
	}
}

func TestUpdateConcurrent(t *testing.T) {
	for _, replicas := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d registries", replicas), func(t *testing.T) {
			ctx, ns := testCtx(t), newNamespace(t)
			regs := make([]*Registry, replicas)
			for i := range regs {
				regs[i] = NewRegistry(newClient(t), ns) // own client each, as separate replicas
			}
			const n = 20
			var wg sync.WaitGroup
			errs := make(chan error, n)
			start := make(chan struct{})
			var calls atomic.Int64
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					_, err := regs[i%replicas].Update(ctx, func(s *Sources) error {
						calls.Add(1)
						repo := fmt.Sprintf("acme/repo-%d", i%3)
						return s.AddDeployment(Repo{Repo: repo, Branch: "main"}, Deployment{Name: fmt.Sprintf("d-%02d", i), Path: fmt.Sprintf("apps/%d", i)})
					})
					errs <- err
				}(i)
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			s, err := regs[0].Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if r, _ := s.FindDeployment(fmt.Sprintf("d-%02d", i)); r == nil {
					t.Errorf("deployment d-%02d lost", i)
				}
			}
			t.Logf("%d updates took %d attempts", n, calls.Load())
			if len(s.Repos) != 3 {
				t.Errorf("want 3 repos, got %d", len(s.Repos))
			}
		})
	}
}

func TestLoadRejectsBrokenRegistry(t *testing.T) {
	tests := []struct {
		desc string
		data map[string]string
		want string
	}{
		{"newer version", map[string]string{"version": "3", "repos.yaml": "[]"}, "newer than this build supports"},
		{"bad version", map[string]string{"version": "two"}, `unsupported registry version "two"`},
		{"bad yaml", map[string]string{"version": "2", "repos.yaml": "- repo: [unclosed"}, "failed to parse repos.yaml"},
		{"unknown field", map[string]string{"version": "2", "repos.yaml": "- repo: acme/web\n  brnch: main\n"}, "failed to parse repos.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
			if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: SourcesConfigMap}, Data: tt.data,
			}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			reg := NewRegistry(cs, ns)
			if _, err := reg.Load(ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load err = %v, want %q", err, tt.want)
			}
			before := getCM(t, cs, ns).ResourceVersion
			_, err := reg.Update(ctx, func(*Sources) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Update err = %v, want %q", err, tt.want)
			}
			if getCM(t, cs, ns).ResourceVersion != before {
				t.Fatal("Update overwrote a registry it could not read")
			}
		})
	}
}
