package config

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRegistryKeepsItsDecoding: after its own writes a Registry reads and updates without
// decoding the registry on the way (it decoded what it wrote in the background), and what it
// returns is what a Registry that decodes returns; a change to what it returned does not
// reach the next read; another replica's write and an admin's edit are read (decoded), and an
// invalid entry is logged on every read, kept decoding or not.
func TestRegistryKeepsItsDecoding(t *testing.T) {
	ns := newNamespace(t)
	cs := newClient(t)
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).WithContext(context.Background())
	reg := NewRegistry(cs, ns)
	fresh := func() *Sources { // as a Registry that has kept nothing reads it
		t.Helper()
		s, err := NewRegistry(cs, ns).Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	load := func(wantDecodes int64) *Sources {
		t.Helper()
		before := reg.snap.decodes.Load()
		s, err := reg.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := reg.snap.decodes.Load() - before; n != wantDecodes {
			t.Errorf("Load decoded %d times, want %d", n, wantDecodes)
		}
		if want := fresh(); !reflect.DeepEqual(s, want) {
			t.Errorf("Load = %+v\nwant (decoded) %+v", s, want)
		}
		return s
	}
	if _, err := reg.Update(ctx, func(s *Sources) error { return fillDeployments(s, "svc", 20, 2) }); err != nil {
		t.Fatal(err)
	}
	s := load(0)
	s.Repos[0].Deployments[0].LastSync.Commit = "changed by the caller"
	s.Repos[0].Deployments[1].History[0].Status = "changed by the caller"
	s.Repos[0].Deployments = s.Repos[0].Deployments[:3]
	if s := load(0); len(s.Repos[0].Deployments) != 20 || s.Repos[0].Deployments[0].LastSync.Commit == "changed by the caller" {
		t.Errorf("a change to what Load returned reached the next Load: %+v", s.Repos[0].Deployments[0])
	}
	before := reg.snap.decodes.Load()
	if _, err := reg.Update(ctx, func(s *Sources) error {
		return s.SetLastSyncKeeping("svc-0003", LastSync{Commit: strings.Repeat("a", 40), Status: "Succeeded"}, 2)
	}); err != nil {
		t.Fatal(err)
	}
	if n := reg.snap.decodes.Load() - before; n != 0 {
		t.Errorf("Update on the registry it wrote decoded %d times, want 0", n)
	}
	if _, d := load(0).FindDeployment("svc-0003"); d == nil || d.LastSync.Commit != strings.Repeat("a", 40) {
		t.Errorf("svc-0003 after the update: %+v", d)
	}

	// Another replica's write is read, not the kept decoding.
	if _, err := NewRegistry(cs, ns).Update(ctx, func(s *Sources) error {
		return s.AddDeployment(Repo{Repo: "acme/mono", Branch: "main"}, Deployment{Name: "added-elsewhere", Path: "x"})
	}); err != nil {
		t.Fatal(err)
	}
	if _, d := load(1).FindDeployment("added-elsewhere"); d == nil {
		t.Error("the other replica's deployment is not read")
	}

	// An admin's edit with an invalid entry: read, logged on each read.
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data[keyRepos] = strings.Replace(cm.Data[keyRepos], `{"name":"added-elsewhere"`, `{"name":"Not A Name","path":"y"},`+"\n  "+`{"name":"added-elsewhere"`, 1)
	if _, err := cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	if s := load(1); len(s.Invalid) != 1 || s.Invalid[0].Deployment != "Not A Name" {
		t.Errorf("invalid entries %+v, want Not A Name", s.Invalid)
	}
	load(0)
	if n := strings.Count(logs.String(), `"deployment":"Not A Name"`); n != 4 { // two Loads, and fresh() after each
		t.Errorf("the invalid entry was logged %d times, want 4:\n%s", n, logs.String())
	}
	// An update keeps it as it was.
	if _, err := reg.Update(ctx, func(s *Sources) error { return s.RemoveDeployment("svc-0000") }); err != nil {
		t.Fatal(err)
	}
	if s := load(0); len(s.Invalid) != 1 {
		t.Errorf("after an update, invalid entries %+v, want Not A Name kept", s.Invalid)
	}
}
