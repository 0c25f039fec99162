package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// floor sends the benchmark's objects (objects of them, or OBJECTS) as bare
// server-side-apply dry-run requests, with the given concurrency and nothing else: no
// rendering, no discovery, no live read, no diff text.
func floor(args []string) int {
	if len(args) != 3 && len(args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bench floor KUBECONFIG NAMESPACE CONCURRENCY [OBJECTS]")
		return 2
	}
	count := objects
	if len(args) == 4 {
		count, _ = strconv.Atoi(args[3])
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	n, _ := strconv.Atoi(args[2])
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	res := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(args[1])
	force := true
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(n)
	for i := 0; i < count; i++ {
		name := fmt.Sprintf("cm-%03d", i)
		body, _ := json.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": args[1], "labels": map[string]string{"app": "bench"}},
			"data":     map[string]string{"index": strconv.Itoa(i), "payload": fmt.Sprintf("value-%d-abcdefghijklmnopqrstuvwxyz", i)},
		})
		g.Go(func() error {
			_, err := res.Patch(ctx, name, types.ApplyPatchType, body, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: "floor", Force: &force})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// floorMedian is the median wall time of runs floors of n objects in namespace ns at the
// bench's concurrency, each its own process.
func floorMedian(c *testenv.Cluster, self, ns string, n, runs int) (time.Duration, error) {
	var floors []time.Duration
	for range runs {
		s, err := measure(nil, self, "floor", c.Kubeconfig, ns, strconv.Itoa(concurrency), strconv.Itoa(n))
		if err != nil {
			return 0, err
		}
		floors = append(floors, s.wall)
	}
	sort.Slice(floors, func(i, j int) bool { return floors[i] < floors[j] })
	return floors[len(floors)/2], nil
}
