package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fillDeployments adds n deployments named prefix-i to repo acme/mono of s, each with a last
// sync and hist earlier syncs, as a registry of a busy monorepo holds.
func fillDeployments(s *Sources, prefix string, n, hist int) error {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i := range n {
		d := Deployment{Name: fmt.Sprintf("%s-%04d", prefix, i), Path: fmt.Sprintf("deploy/team-%02d/%s-%04d", i%50, prefix, i),
			LastSync: &LastSync{Commit: fmt.Sprintf("%040x", i), Time: at, Status: "Succeeded"}}
		for h := range hist {
			d.History = append(d.History, LastSync{Commit: fmt.Sprintf("%040x", i*10+h), Time: at, Status: "Succeeded"})
		}
		if err := s.AddDeployment(Repo{Repo: "acme/mono", Branch: "main"}, d); err != nil {
			return err
		}
	}
	return nil
}

// TestRegistryFullRefusedBeforeTheWrite: an update that would make the registry ConfigMap
// larger than the apiserver accepts (1 MiB) is refused before the write with a RegistryFull
// that says how big, how many deployments and how much history, and what to do; the
// ConfigMap is left as it was. Without the check the real apiserver refuses the same write
// with an error that names no remedy (so the size counted is the apiserver's).
func TestRegistryFullRefusedBeforeTheWrite(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	reg := NewRegistry(cs, ns)
	if _, err := reg.Update(ctx, func(s *Sources) error { return fillDeployments(s, "svc", 1400, 5) }); err != nil {
		t.Fatalf("1400 deployments with 5 earlier syncs each should fit: %v", err)
	}
	before := getCM(t, cs, ns)
	more := func(s *Sources) error { return fillDeployments(s, "more", 200, 5) }
	_, err := reg.Update(ctx, more)
	var full *RegistryFull
	if !errors.As(err, &full) {
		t.Fatalf("adding 200 more = %v, want a RegistryFull", err)
	}
	if full.Bytes <= MaxRegistryBytes || full.Limit != MaxRegistryBytes || full.Deployments != 1600 || full.History != 5 || full.Namespace != ns {
		t.Errorf("RegistryFull = %+v, want over %d bytes, 1600 deployments, history 5", full, MaxRegistryBytes)
	}
	for _, w := range []string{SourcesConfigMap, "1600 deployments", "up to 5 earlier syncs", "Nothing was changed", "/rigel remove-deployment", "RIGEL_SYNC_HISTORY"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the refusal lacks %q: %v", w, err)
		}
	}
	if after := getCM(t, cs, ns); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the ConfigMap was written (resourceVersion %s → %s)", before.ResourceVersion, after.ResourceVersion)
	}
	unchecked := NewRegistry(cs, ns)
	unchecked.maxBytes = 1 << 30
	unchecked.transientBudget = 0
	if _, err := unchecked.Update(ctx, more); err == nil || errors.As(err, &full) {
		t.Errorf("without the check, the apiserver answered %v; want it to refuse a ConfigMap over 1 MiB", err)
	}
	// A shorter history makes room: 2,000 deployments with 2 earlier syncs fit (README, Capacity).
	short := NewRegistry(cs, newNamespace(t))
	if _, err := short.Update(ctx, func(s *Sources) error { return fillDeployments(s, "svc", 2000, 2) }); err != nil {
		t.Errorf("2000 deployments with 2 earlier syncs each: %v", err)
	}
}

// TestRegistryRememberedVersion: an update first writes on the version its Registry saw last,
// without reading; when another replica changed the ConfigMap since, the apiserver's Conflict
// sends it to a fresh read, so nothing is lost, and a change that the old version would refuse
// (a deployment it did not have yet) is made on the new one.
func TestRegistryRememberedVersion(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	a, b := NewRegistry(cs, ns), NewRegistry(cs, ns)
	add := func(reg *Registry, name string) {
		t.Helper()
		if _, err := reg.Update(ctx, func(s *Sources) error {
			return s.AddDeployment(Repo{Repo: "acme/web", Branch: "main"}, Deployment{Name: name, Path: name})
		}); err != nil {
			t.Fatal(err)
		}
	}
	add(a, "one") // a remembers the version it wrote
	add(b, "two") // b read it, wrote another: a's memory is stale
	synced := LastSync{Commit: fmt.Sprintf("%040d", 7), Time: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Status: "Succeeded"}
	if _, err := a.Update(ctx, func(s *Sources) error { return s.SetLastSync("two", synced) }); err != nil {
		t.Fatalf("a records a sync of two, which its stale version lacks: %v", err)
	}
	add(a, "three")
	s, err := b.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"one", "two", "three"} {
		if _, d := s.FindDeployment(name); d == nil {
			t.Errorf("%s was lost", name)
		}
	}
	if _, d := s.FindDeployment("two"); d == nil || d.LastSync == nil || d.LastSync.Commit != synced.Commit {
		t.Errorf("two's sync was lost: %+v", d)
	}
	// A refusal on an unchanged ConfigMap is final: mutate is asked once.
	calls := 0
	if _, err := a.Update(ctx, func(s *Sources) error { calls++; return errors.New("refused") }); err == nil || calls != 1 {
		t.Errorf("a refusing mutate: err %v after %d calls, want its error after 1", err, calls)
	}
}
