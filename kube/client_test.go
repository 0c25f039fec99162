package kube

import (
	gosync "sync"
	"testing"

	"k8s.io/client-go/rest"
)

// Each Client builds its raw REST client once and shares it among its callers; two Clients, even
// of the same config, never share one (two clusters, or two apiservers of a test).
func TestRawIsOncePerClient(t *testing.T) {
	cfg := &rest.Config{Host: "http://127.0.0.1:1"}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other, err := New(&rest.Config{Host: "http://127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}

	// Concurrent first uses of one Client get one REST client.
	got := make([]*rest.RESTClient, 16)
	var wg gosync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rc, err := a.Raw()
			if err != nil {
				t.Error(err)
			}
			got[i] = rc
		}(i)
	}
	wg.Wait()
	for i, rc := range got {
		if rc == nil || rc != got[0] {
			t.Fatalf("call %d of a.Raw() = %p, want the one REST client %p", i, rc, got[0])
		}
	}

	rb, err := b.Raw()
	if err != nil {
		t.Fatal(err)
	}
	ro, err := other.Raw()
	if err != nil {
		t.Fatal(err)
	}
	if rb == got[0] {
		t.Fatal("two Clients of one config share a REST client")
	}
	if ro == got[0] || ro == rb {
		t.Fatal("Clients of two clusters share a REST client")
	}
	if host := ro.Get().AbsPath("/api").URL().Host; host != "127.0.0.1:2" {
		t.Fatalf("the REST client of the second cluster reaches %q, want 127.0.0.1:2", host)
	}
	if host := got[0].Get().AbsPath("/api").URL().Host; host != "127.0.0.1:1" {
		t.Fatalf("the REST client of the first cluster reaches %q, want 127.0.0.1:1", host)
	}
}
