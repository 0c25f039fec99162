package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

const (
	objects     = 200
	concurrency = 32
	runs        = 5
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		os.Exit(floor(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "load" { // only the webhook load test (load.go)
		os.Exit(loadMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "autoplan" { // only the autoplan figure (autoplan.go)
		os.Exit(autoplanMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "helm" { // only the chart render + diff figure (helm.go, issue 13)
		os.Exit(helmMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "manydeps" { // only the many-deployments figures (manydeps.go, issue 14)
		os.Exit(manydepsMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "registry" { // only the registry figure (manydeps.go, issue 14)
		os.Exit(registryMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "bigdiff" { // only the big object diff figure (bigdiff.go, issue 14)
		os.Exit(bigdiffMain())
	}
	if len(os.Args) > 2 && os.Args[1] == "bigdiff-ref" { // go-difflib's side of that figure, in a child
		os.Exit(bigdiffRef(os.Args[2]))
	}
	if len(os.Args) > 1 && os.Args[1] == "git" { // only the git fetch figure (git.go, issue 14)
		os.Exit(gitMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "gitfetch" { // one fetch of the git figure, in a process of its own
		os.Exit(gitFetchChild(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "drift" { // only the drift sweep figure (drift.go, issue 12)
		os.Exit(driftMain())
	}
	if len(os.Args) > 1 && os.Args[1] == "redeliver" { // only the redelivery figure (redeliver.go, issue 14)
		os.Exit(redeliverMain())
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type sample struct {
	wall   time.Duration
	maxRSS int64 // KiB
}

type row struct {
	name    string
	samples []sample
}

func (r row) median() sample {
	s := append([]sample(nil), r.samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	m := s[len(s)/2]
	for _, x := range s {
		m.maxRSS = max(m.maxRSS, x.maxRSS)
	}
	return m
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}

// writeFolder writes the benchmark's objects into dir, one file each.
func writeFolder(dir, ns string) error {
	files := folderFiles(ns, objects)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, y := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(y), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// folderFiles are n of the benchmark's ConfigMaps in namespace ns, by file name: the objects
// the floor sends too.
func folderFiles(ns string, n int) map[string]string {
	files := map[string]string{}
	for i := 0; i < n; i++ {
		files[fmt.Sprintf("cm-%03d.yaml", i)] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%03d\n  namespace: %s\n  labels:\n    app: bench\ndata:\n  index: %q\n  payload: %q\n", i, ns, strconv.Itoa(i), fmt.Sprintf("value-%d-abcdefghijklmnopqrstuvwxyz", i))
	}
	return files
}

func run() error {
	fmt.Println("starting the local kube-apiserver and etcd…")
	c, err := testenv.StartCluster()
	if err != nil {
		return err
	}
	defer c.Stop()
	work, err := os.MkdirTemp("", "rigel-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	rigel := filepath.Join(work, "rigel")
	fmt.Println("building rigel…")
	if out, err := exec.Command("go", "build", "-o", rigel, "./cmd/bot").CombinedOutput(); err != nil {
		return fmt.Errorf("failed to build rigel: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// The webhook load first, on the cluster as fresh as `bench load` has it: its figure is a
	// latency at a rate on a machine of 2 cores, and the parts before it left thousands of
	// objects behind that the apiserver and etcd keep busy with (compaction, the watch cache),
	// slowing the answers and their floor alike (run last, the floor's p99 was 11.1 ms).
	if err := load(c, rigel, work); err != nil {
		return err
	}
	fmt.Println()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		return fmt.Errorf("kubectl not found (it is at /usr/bin/kubectl on these machines): %w", err)
	}
	kcfg := c.Kubeconfig
	folders := map[string]string{}
	for _, ns := range []string{"bench-rigel", "bench-kubectl", "bench-floor"} {
		if err := c.CreateNamespace(ns); err != nil {
			return err
		}
		folders[ns] = filepath.Join(work, ns, "manifests")
		if err := writeFolder(folders[ns], ns); err != nil {
			return err
		}
	}
	var rows []row
	add := func(name string, n int, want []int, prog string, args ...string) error {
		r := row{name: name}
		for i := 0; i < n; i++ {
			s, err := measure(want, prog, args...)
			if err != nil {
				return err
			}
			r.samples = append(r.samples, s)
		}
		rows = append(rows, r)
		fmt.Printf("  %-48s %8s\n", name, r.median().wall.Round(time.Millisecond))
		return nil
	}
	fmt.Printf("measuring %d ConfigMaps, concurrency %d (median of %d runs for Rigel and the floor)…\n", objects, concurrency, runs)
	steps := []func() error{
		func() error {
			return add("kubectl diff -R -f (200 to create)", 1, []int{1}, kubectl, "--kubeconfig", kcfg, "diff", "-R", "-f", folders["bench-kubectl"])
		},
		func() error {
			return add("rigel diff (200 to create)", runs, []int{1}, rigel, "diff", "-q", "--kubeconfig", kcfg, "--concurrency", strconv.Itoa(concurrency), folders["bench-rigel"])
		},
		func() error {
			return add("floor: 200 bare SSA dry-runs (create)", runs, nil, self, "floor", kcfg, "bench-floor", strconv.Itoa(concurrency))
		},
		func() error {
			return add("kubectl apply --server-side -R -f", 1, nil, kubectl, "--kubeconfig", kcfg, "apply", "--server-side", "-R", "-f", folders["bench-kubectl"])
		},
		func() error {
			return add("rigel apply", 1, nil, rigel, "apply", "-q", "--kubeconfig", kcfg, "--concurrency", strconv.Itoa(concurrency), folders["bench-rigel"])
		},
		func() error { // the floor's objects exist too, for a like-for-like floor of the unchanged case
			_, err := measure(nil, rigel, "apply", "-q", "--kubeconfig", kcfg, folders["bench-floor"])
			return err
		},
		func() error {
			return add("floor: 200 bare SSA dry-runs (existing)", runs, nil, self, "floor", kcfg, "bench-floor", strconv.Itoa(concurrency))
		},
		func() error {
			return add("kubectl diff -R -f (200 unchanged)", 1, nil, kubectl, "--kubeconfig", kcfg, "diff", "-R", "-f", folders["bench-kubectl"])
		},
		func() error {
			return add("rigel diff (200 unchanged)", runs, nil, rigel, "diff", "-q", "--kubeconfig", kcfg, "--concurrency", strconv.Itoa(concurrency), folders["bench-rigel"])
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	report(rows)
	fmt.Println()
	if err := autoplanBench(c, rigel, self, work); err != nil {
		return err
	}
	fmt.Println()
	if err := driftBench(c, self); err != nil { // drift (issue 12): drift.go
		return err
	}
	fmt.Println()
	if err := bigdiffBench(); err != nil { // big objects (issue 14): bigdiff.go
		return err
	}
	if err := helmBench(c); err != nil { // charts (issue 13): helm.go
		return err
	}
	fmt.Println()
	if err := manydepsBench(c, rigel, self, work); err != nil { // many deployments (issue 14): manydeps.go
		return err
	}
	fmt.Println()
	if err := gitBench(); err != nil { // git fetches of a monorepo (issue 14): git.go
		return err
	}
	fmt.Println()
	return redeliverBench(c, rigel, work) // a burst of 10,000 redelivered (issue 14): redeliver.go
}

func report(rows []row) {
	by := map[string]sample{}
	for _, r := range rows {
		by[r.name] = r.median()
	}
	fmt.Printf("\n%-44s %10s %12s\n", "what (one process each)", "wall", "peak RSS")
	for _, r := range rows {
		m := r.median()
		fmt.Printf("%-44s %10s %9.1f MiB\n", r.name, m.wall.Round(time.Millisecond), float64(m.maxRSS)/1024)
	}
	ratio := func(a, b string) float64 { return float64(by[a].wall) / float64(by[b].wall) }
	fmt.Println()
	fmt.Printf("diff of existing objects: rigel is %5.1fx faster than kubectl diff (goal ≥ 30x); %.2fx the floor (goal ≤ 2x)\n",
		ratio("kubectl diff -R -f (200 unchanged)", "rigel diff (200 unchanged)"), ratio("rigel diff (200 unchanged)", "floor: 200 bare SSA dry-runs (existing)"))
	fmt.Printf("diff of new objects:      rigel is %5.1fx faster than kubectl diff; %.2fx the floor (goal ≤ 2x)\n",
		ratio("kubectl diff -R -f (200 to create)", "rigel diff (200 to create)"), ratio("rigel diff (200 to create)", "floor: 200 bare SSA dry-runs (create)"))
	fmt.Printf("apply:                    rigel is %5.1fx faster than kubectl apply --server-side (goal ≥ 10x)\n",
		ratio("kubectl apply --server-side -R -f", "rigel apply"))
}
