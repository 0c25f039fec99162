package ops

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/config"
)

// TestRegistryFull (issue 14): registering a deployment in a registry that would go past the
// ConfigMap's limit is refused (a refusal: nothing changed, the reply says what to do); an
// apply whose sync record would go past it is still recorded, with this deployment's older
// history shortened to make room, never lost.
func TestRegistryFull(t *testing.T) {
	ctx := context.Background()
	e := newPlanEnv(t, map[string]string{"app/cm.yaml": cmIn("a", "shop"), "other/cm.yaml": cmIn("o", "shop")})
	cs := k8sfake.NewSimpleClientset()
	reg := config.NewRegistry(cs, "rigel")
	e.svc.Registry = reg
	e.register(t, "acme/web", e.dep)
	for i := range 3 { // web has a last sync and 2 earlier ones
		if _, err := reg.Update(ctx, func(s *config.Sources) error {
			return s.SetLastSync("web", config.LastSync{Commit: fmt.Sprintf("%040d", i), Time: time.Unix(int64(i), 0).UTC(), Status: "Succeeded"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	cm, err := cs.CoreV1().ConfigMaps("rigel").Get(ctx, config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for k, v := range cm.Data {
		size += len(k) + len(v)
	}
	reg.SetMaxBytes(size + 20) // room for neither another deployment nor another earlier sync

	_, err = e.svc.Register(ctx, Origin{Repo: "acme/web"}, config.Repo{Repo: "acme/web", Branch: "main"}, "other", "web2", RenderSettings{})
	var full *config.RegistryFull
	if !errors.As(err, &full) || !IsRefusal(err) {
		t.Fatalf("registering in a full registry = %v, want a RegistryFull refusal", err)
	}
	if _, d := e.svc.mustLoad(t).FindDeployment("web2"); d != nil {
		t.Error("web2 was registered")
	}

	applied, err := e.svc.Apply(ctx, e.call(&fakeForge{}, 1, false), e.dep, ApplyRequest{Plan: e.preview(t).ID(), At: BranchTarget("main")})
	if err != nil || applied.RecordErr != nil {
		t.Fatalf("apply = %v, record %v; want applied and recorded", err, applied.RecordErr)
	}
	_, d := e.svc.mustLoad(t).FindDeployment("web")
	if d.LastSync == nil || d.LastSync.Commit != e.main || len(d.History) != 1 || d.History[0].Commit != fmt.Sprintf("%040d", 2) {
		t.Errorf("web's record = %+v, history %+v; want the apply's commit and the one sync before it", d.LastSync, d.History)
	}
}

func (s *Service) mustLoad(t *testing.T) *config.Sources {
	t.Helper()
	src, err := s.Registry.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return src
}
