package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// The many-deployments figures (issue 14):
//
//   - `/rigel diff --all` in an issue of a repository of 200 deployments × 10 ConfigMaps (all
//     to create), from the signed delivery to the reply's last part posted on the fake GitHub,
//     by a `rigel serve` process at the default RIGEL_DIFF_CONCURRENCY (32), fetching from the
//     test git server; against the floor of the same 2,000 bare server-side-apply dry-runs at
//     concurrency 32 (one process). Goal ≤ 2×. The first run fetches the repository and is
//     not counted.
//   - The registry (ConfigMap helmsman-git-sources) of 2,000 deployments, each with a last sync
//     and 2 earlier ones (RIGEL_SYNC_HISTORY=2: at the default 5, 2,000 do not fit in a
//     ConfigMap), on the real apiserver: a Load and an Update (one deployment's sync recorded),
//     median of 9 each. Goal ≤ 50 ms each. Beside it, the floor: a bare GET and PUT of the same
//     ConfigMap (protobuf, as the registry speaks), and the reference: the YAML codec the
//     registry used before (sigs.k8s.io/yaml), on the same data, without the apiserver.
//     Then the capacity at the default history, and the refusal past 1 MiB.
const (
	manyDeployments = 200
	manyObjects     = 10
	manyRuns        = 3
	manyRepo        = "acme/monorepo"
	manyNS          = "bench-many"

	registryDeployments = 2000
	registryHistory     = 2
	registryRuns        = 9
	registryGoal        = 50 * time.Millisecond
)

func manydepsBench(c *testenv.Cluster, rigel, self, work string) error {
	if err := diffAllBench(c, rigel, self, work); err != nil {
		return err
	}
	fmt.Println()
	return registryBench(c)
}

// manydepsMain is `bench manydeps`: only these figures, on a cluster of their own.
func manydepsMain() int { return alone("manydeps", manydepsBench) }

// registryMain is `bench registry`: only the registry figure, on a cluster of its own (no bot
// is built).
func registryMain() int { return onCluster("registry", registryBench) }

var partOf = regexp.MustCompile(`Part (\d+) of (\d+)`)

func diffAllBench(c *testenv.Cluster, rigel, self, work string) error {
	gs, gh, stop, err := startForge()
	if err != nil {
		return err
	}
	defer stop()
	botNS, floorNS := manyNS+"-rigel", manyNS+"-floor"
	for _, n := range []string{manyNS, botNS, floorNS} {
		if err := c.CreateNamespace(n); err != nil {
			return err
		}
	}
	files := map[string]string{}
	for name, y := range folderFiles(manyNS, manyDeployments*manyObjects) { // cm-000…cm-1999, as the floor's
		i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "cm-"), ".yaml"))
		files[fmt.Sprintf("deploy/d%03d/%s", i/manyObjects, name)] = y
	}
	if _, err := gs.CreateRepo(manyRepo, "main", files); err != nil {
		return err
	}
	gh.AddRepo(manyRepo, "main", gs.CloneURL(manyRepo))
	// The deployments, registered as `/rigel add-deployment` would have, in one write.
	kc, err := kube.New(c.Config)
	if err != nil {
		return err
	}
	entry := config.Repo{Repo: manyRepo, Branch: "main", CloneURL: gs.CloneURL(manyRepo), InstallationID: gh.InstallationID}
	if _, err := config.NewRegistry(kc.Typed, botNS).Update(context.Background(), func(s *config.Sources) error {
		for d := range manyDeployments {
			if err := s.AddDeployment(entry, config.Deployment{Name: fmt.Sprintf("d%03d", d), Path: fmt.Sprintf("deploy/d%03d", d)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	bp, err := startBotProcess(c, gh, rigel, work, "manydeps", botNS, "RIGEL_GIT_URL="+gs.URL())
	if err != nil {
		return err
	}
	defer bp.stop()
	client := &http.Client{Timeout: 30 * time.Second}
	fmt.Printf("diff --all: %d deployments × %d ConfigMaps to create, from the delivery to the reply's last part (%d runs after one that fetches)…\n",
		manyDeployments, manyObjects, manyRuns)
	var walls []time.Duration
	parts := 0
	for run := 0; run <= manyRuns; run++ {
		issue := 10 + run
		gh.AddIssue(manyRepo, issue, "Diff everything")
		payload := gh.CommentEvent(testenv.CommentOpts{Repo: manyRepo, Issue: issue, Body: "/rigel diff --all", User: "octocat", InstallationID: gh.InstallationID})
		start := time.Now()
		if status, _ := deliver(client, bp.base+app.HookPath, "issue_comment", fmt.Sprintf("manydeps-%d", run), payload); status/100 != 2 {
			return fmt.Errorf("/rigel diff --all: the hook answered %d", status)
		}
		var bodies []string
		if err := waitFor(5*time.Minute, func() bool {
			bodies = bodies[:0]
			for _, cm := range gh.Comments(manyRepo, issue) {
				if cm.User == gh.BotLogin() {
					bodies = append(bodies, cm.Body)
				}
			}
			if len(bodies) == 0 {
				return false
			}
			m := partOf.FindStringSubmatch(bodies[len(bodies)-1])
			return m == nil || m[1] == m[2]
		}); err != nil {
			return fmt.Errorf("/rigel diff --all: %w", err)
		}
		took := time.Since(start)
		all := strings.Join(bodies, "\n")
		for d := range manyDeployments {
			if !strings.Contains(all, fmt.Sprintf("`d%03d`", d)) && !strings.Contains(all, fmt.Sprintf("deploy/d%03d", d)) {
				return fmt.Errorf("/rigel diff --all: the reply does not show d%03d:\n%s", d, tail([]byte(all)))
			}
		}
		if n := strings.Count(all, "10 to create"); n != manyDeployments {
			return fmt.Errorf("/rigel diff --all: %d deployments with 10 to create, want %d:\n%s", n, manyDeployments, tail([]byte(all)))
		}
		parts = len(bodies)
		if run == 0 {
			fmt.Printf("  first (fetches the repository): %s\n", took.Round(time.Millisecond))
			continue
		}
		walls = append(walls, took)
		fmt.Printf("  run %d: %s, %d comments\n", run, took.Round(time.Millisecond), parts)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	wall := walls[len(walls)/2]
	floorWall, err := floorMedian(c, self, floorNS, manyDeployments*manyObjects, manyRuns)
	if err != nil {
		return err
	}
	fmt.Printf("diff --all of %d deployments × %d objects (to create): %v (median of %d; one reply in %d comments); floor (%d bare SSA dry-runs, concurrency %d, one process): %v\n",
		manyDeployments, manyObjects, wall.Round(time.Millisecond), manyRuns, parts, manyDeployments*manyObjects, concurrency, floorWall.Round(time.Millisecond))
	ratio := float64(wall) / float64(floorWall)
	fmt.Printf("diff --all: %.2fx the floor (goal ≤ 2x) %s\n", ratio, manydepsVerdict(ratio <= 2))
	return nil
}

// manydepsVerdict words whether a goal is met.
func manydepsVerdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func registryBench(c *testenv.Cluster) error {
	ctx := context.Background()
	const ns = "bench-registry"
	if err := c.CreateNamespace(ns); err != nil {
		return err
	}
	kc, err := kube.New(c.Config)
	if err != nil {
		return err
	}
	reg := config.NewRegistry(kc.Protobuf, ns) // as app.New builds it
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	fill := func(s *config.Sources, n, hist int) error {
		entry := config.Repo{Repo: manyRepo, Branch: "main", CloneURL: "https://github.com/" + manyRepo + ".git", InstallationID: 4711}
		for i := range n {
			d := config.Deployment{Name: fmt.Sprintf("team-%02d-service-%04d", i%50, i), Path: fmt.Sprintf("deploy/team-%02d/service-%04d", i%50, i),
				LastSync: &config.LastSync{Commit: fmt.Sprintf("%040x", i), Time: at, Status: "Succeeded"}}
			for h := range hist {
				d.History = append(d.History, config.LastSync{Commit: fmt.Sprintf("%040x", i*10+h+1), Time: at, Status: "Succeeded"})
			}
			if err := s.AddDeployment(entry, d); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := reg.Update(ctx, func(s *config.Sources) error { return fill(s, registryDeployments, registryHistory) }); err != nil {
		return err
	}
	cm, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(ctx, config.SourcesConfigMap, metav1.GetOptions{})
	if err != nil {
		return err
	}
	size := len(cm.Data["repos.yaml"])
	var loads, updates []time.Duration
	var src *config.Sources
	for i := range registryRuns {
		start := time.Now()
		if src, err = reg.Load(ctx); err != nil {
			return err
		}
		loads = append(loads, time.Since(start))
		start = time.Now()
		name := fmt.Sprintf("team-%02d-service-%04d", i%50, i)
		if _, err := reg.Update(ctx, func(s *config.Sources) error {
			return s.SetLastSyncKeeping(name, config.LastSync{Commit: fmt.Sprintf("%040x", 1<<40+i), Time: at.Add(time.Duration(i) * time.Minute), Status: "Succeeded"}, registryHistory)
		}); err != nil {
			return err
		}
		updates = append(updates, time.Since(start))
	}
	median := func(ds []time.Duration) time.Duration {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	load, update := median(loads), median(updates)
	// Beside it, the floor of a write: one bare PUT of the same ConfigMap (one line changed),
	// as the registry sends it (protobuf), and one bare GET.
	var puts, gets []time.Duration
	for i := range registryRuns {
		cm, err := kc.Protobuf.CoreV1().ConfigMaps(ns).Get(ctx, config.SourcesConfigMap, metav1.GetOptions{})
		if err != nil {
			return err
		}
		was := fmt.Sprintf(`"commit":"%040x"`, 1<<40+i)
		if !strings.Contains(cm.Data["repos.yaml"], was) { // an unchanged PUT is not written to etcd: no floor
			return fmt.Errorf("registry floor: the update of run %d is not in the ConfigMap", i)
		}
		cm.Data["repos.yaml"] = strings.Replace(cm.Data["repos.yaml"], was, fmt.Sprintf(`"commit":"%040x"`, 1<<41+i), 1)
		start := time.Now()
		if _, err := kc.Protobuf.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{FieldManager: "bench"}); err != nil {
			return err
		}
		puts = append(puts, time.Since(start))
		start = time.Now()
		if _, err := kc.Protobuf.CoreV1().ConfigMaps(ns).Get(ctx, config.SourcesConfigMap, metav1.GetOptions{}); err != nil {
			return err
		}
		gets = append(gets, time.Since(start))
	}
	floorPut, floorGet := median(puts), median(gets)
	// The reference: the YAML codec of before, on the same repositories.
	var yamlEnc, yamlDec []time.Duration
	for range 3 {
		start := time.Now()
		raw, err := yaml.Marshal(src.Repos)
		if err != nil {
			return err
		}
		yamlEnc = append(yamlEnc, time.Since(start))
		start = time.Now()
		var back []config.Repo
		if err := yaml.UnmarshalStrict(raw, &back); err != nil {
			return err
		}
		yamlDec = append(yamlDec, time.Since(start))
	}
	fmt.Printf("registry of %d deployments (a last sync and %d earlier each; %d KiB): read %v, write %v (median of %d, real apiserver); the YAML codec of before, alone: encode %v, decode %v\n",
		registryDeployments, registryHistory, size/1024, load.Round(100*time.Microsecond), update.Round(100*time.Microsecond), registryRuns,
		median(yamlEnc).Round(time.Millisecond), median(yamlDec).Round(time.Millisecond))
	fmt.Printf("registry floor: a bare GET of the same ConfigMap %v, a bare PUT %v (median of %d, protobuf): the read is %.2fx and the write %.2fx its floor\n",
		floorGet.Round(100*time.Microsecond), floorPut.Round(100*time.Microsecond), registryRuns, float64(load)/float64(floorGet), float64(update)/float64(floorPut))
	fmt.Printf("registry: read %v, write %v (goal ≤ %v each) %s\n", load.Round(100*time.Microsecond), update.Round(100*time.Microsecond), registryGoal,
		manydepsVerdict(load <= registryGoal && update <= registryGoal))

	// Capacity at the default history, and the refusal past the ConfigMap's limit.
	capNS := ns + "-full"
	if err := c.CreateNamespace(capNS); err != nil {
		return err
	}
	full := config.NewRegistry(kc.Protobuf, capNS)
	fits := 0
	for n := 100; ; n += 100 {
		_, err := full.Update(ctx, func(s *config.Sources) error {
			s.Repos = nil
			return fill(s, n, config.DefaultSyncHistory)
		})
		var rf *config.RegistryFull
		if errors.As(err, &rf) {
			fmt.Printf("registry capacity: %d deployments fit with %d earlier syncs each (RIGEL_SYNC_HISTORY default), %d with %d; %d are refused before the write: %q\n",
				fits, config.DefaultSyncHistory, registryDeployments, registryHistory, n, firstSentence(err.Error()))
			return nil
		}
		if err != nil {
			return err
		}
		fits = n
	}
}

// firstSentence is s up to its first ". ".
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}
