package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// The autoplan figure (issue 11): the time from a signed pull_request delivery to the check
// run `rigel/preview: web` completed on the fake GitHub, for a pull request changing one object
// of a 50-object folder, with a `rigel serve` process that fetches from the test git server.
// Beside it, in the same run, the references: the floor (50 bare server-side-apply dry-runs,
// as one process) and `rigel diff` of the same folder from a local checkout.
const (
	autoplanObjects = 50
	autoplanRuns    = 5
	autoplanRepo    = "acme/plan"
	autoplanFolder  = "apps/web/k8s"
	autoplanCheck   = "rigel/preview: web"
	autoplanGoal    = time.Second
)

// autoplanBench measures autoplan on cluster c with the bot binary rigel and the bench binary
// self (for the floor), and prints the figures.
func autoplanBench(c *testenv.Cluster, rigel, self, work string) error {
	gs, gh, stop, err := startForge()
	if err != nil {
		return err
	}
	defer stop()
	const ns, botNS = "bench-autoplan", "bench-autoplan-rigel"
	for _, n := range []string{ns, botNS} {
		if err := c.CreateNamespace(n); err != nil {
			return err
		}
	}
	files := map[string]string{}
	for name, y := range folderFiles(ns, autoplanObjects) {
		files[autoplanFolder+"/"+name] = y
	}
	if _, err := gs.CreateRepo(autoplanRepo, "main", files); err != nil {
		return err
	}
	gh.AddRepo(autoplanRepo, "main", gs.CloneURL(autoplanRepo))
	bp, err := startBotProcess(c, gh, rigel, work, "autoplan", botNS, "RIGEL_GIT_URL="+gs.URL())
	if err != nil {
		return err
	}
	defer bp.stop()
	client := &http.Client{Timeout: 30 * time.Second}
	hook := bp.base + app.HookPath

	// The deployment, registered as a person would.
	gh.AddIssue(autoplanRepo, 1, "Deploy web")
	reg := gh.CommentEvent(testenv.CommentOpts{Repo: autoplanRepo, Issue: 1, Body: "/rigel add-deployment " + autoplanFolder + " --name web", User: "octocat", InstallationID: gh.InstallationID})
	if status, _ := deliver(client, hook, "issue_comment", "autoplan-register", reg); status/100 != 2 {
		return fmt.Errorf("registering the deployment: the hook answered %d", status)
	}
	var reply string
	if err := waitFor(time.Minute, func() bool {
		for _, cm := range gh.Comments(autoplanRepo, 1) {
			if cm.User == gh.BotLogin() {
				reply = cm.Body
			}
		}
		return reply != ""
	}); err != nil {
		return fmt.Errorf("registering the deployment: %w", err)
	}
	if !strings.Contains(reply, "Registered deployment") {
		return fmt.Errorf("registering the deployment: Rigel answered %q", reply)
	}
	// Applied, so that a pull request changes 1 object of 50 that exist.
	for i, cmd := range []string{"/rigel sync web", "/rigel apply web"} {
		body := gh.CommentEvent(testenv.CommentOpts{Repo: autoplanRepo, Issue: 1, Body: cmd, User: "octocat", InstallationID: gh.InstallationID})
		if status, _ := deliver(client, hook, "issue_comment", fmt.Sprintf("autoplan-setup-%d", i), body); status/100 != 2 {
			return fmt.Errorf("%s: the hook answered %d", cmd, status)
		}
		if err := waitFor(time.Minute, func() bool { return botReplies(gh, autoplanRepo, 1) == i+2 }); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
	}

	fmt.Printf("autoplan: a pull request changing 1 of %d ConfigMaps, from its pull_request delivery to %q completed (%d pull requests; the first fetches the repository)…\n",
		autoplanObjects, autoplanCheck, autoplanRuns)
	var times []time.Duration
	for i := 1; i <= autoplanRuns; i++ {
		branch := fmt.Sprintf("change-%d", i)
		name := autoplanFolder + "/cm-000.yaml"
		head, err := gs.Commit(autoplanRepo, branch, map[string]string{name: strings.Replace(files[name], "value-0-", fmt.Sprintf("value-0-pr%d-", i), 1)}, "Change cm-000")
		if err != nil {
			return err
		}
		payload, err := gh.PullRequestEvent(testenv.PullOpts{Action: "opened", Repo: autoplanRepo, Number: 100 + i, HeadSHA: head, HeadRef: branch, BaseRef: "main"})
		if err != nil {
			return err
		}
		start := time.Now()
		if status, _ := deliver(client, hook, "pull_request", fmt.Sprintf("autoplan-%d", i), payload); status/100 != 2 {
			return fmt.Errorf("pull request %d: the hook answered %d", 100+i, status)
		}
		var cr testenv.CheckRunRecord
		if err := waitFor(time.Minute, func() bool {
			var ok bool
			cr, ok = gh.CheckRunNamed(autoplanRepo, head, autoplanCheck)
			return ok && cr.Status == "completed"
		}); err != nil {
			return fmt.Errorf("pull request %d: %q: %w", 100+i, autoplanCheck, err)
		}
		took := time.Since(start)
		if cr.Conclusion != "success" || !strings.Contains(cr.Title, "0 to create, 1 to change") {
			return fmt.Errorf("pull request %d: the check run says %s %q, want success with 1 to change", 100+i, cr.Conclusion, cr.Title)
		}
		times = append(times, took)
		fmt.Printf("  pull request %d: %s\n", 100+i, took.Round(time.Millisecond))
	}

	// The references, on the same apiserver in the same run. rigel diff runs in a checkout
	// of the repository (a .git folder marks it), so its provenance is the bot's.
	checkout := filepath.Join(work, "autoplan-checkout")
	dir := filepath.Join(checkout, autoplanFolder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(checkout, ".git"), 0o755); err != nil {
		return err
	}
	for name, y := range folderFiles(ns, autoplanObjects) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(y), 0o644); err != nil {
			return err
		}
	}
	floorRow, diffRow := row{name: "floor"}, row{name: "rigel diff"}
	for range autoplanRuns {
		s, err := measure(nil, self, "floor", c.Kubeconfig, ns, strconv.Itoa(concurrency), strconv.Itoa(autoplanObjects))
		if err != nil {
			return err
		}
		floorRow.samples = append(floorRow.samples, s)
		// Exit 1 (changes) is fine: the CLI keeps no inventory, so it would drop the bot's
		// ApplySet label; the work timed is the same render and diff.
		s, err = measure([]int{1}, rigel, "diff", "-q", "--name", "web", "--kubeconfig", c.Kubeconfig, "--concurrency", strconv.Itoa(concurrency), dir)
		if err != nil {
			return err
		}
		diffRow.samples = append(diffRow.samples, s)
	}
	reportAutoplan(times, floorRow.median().wall, diffRow.median().wall)
	return nil
}

// botReplies counts Rigel's comments in a conversation.
func botReplies(gh *testenv.GitHub, repo string, number int) int {
	n := 0
	for _, cm := range gh.Comments(repo, number) {
		if cm.User == gh.BotLogin() {
			n++
		}
	}
	return n
}

func reportAutoplan(times []time.Duration, floor, diff time.Duration) {
	warm := append([]time.Duration(nil), times[1:]...)
	sort.Slice(warm, func(i, j int) bool { return warm[i] < warm[j] })
	med := warm[len(warm)/2]
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	fmt.Printf("\n%-58s %10s\n", "autoplan, 50 objects", "wall")
	fmt.Printf("%-58s %10s\n", "pull_request delivery → check run completed (first)", ms(times[0]))
	fmt.Printf("%-58s %10s\n", fmt.Sprintf("pull_request delivery → check run completed (median of %d)", len(warm)), ms(med))
	fmt.Printf("%-58s %10s\n", "rigel diff of the folder (one process, median)", ms(diff))
	fmt.Printf("%-58s %10s\n", "floor: 50 bare SSA dry-runs (one process, median)", ms(floor))
	verdict := "met"
	if med > autoplanGoal {
		verdict = "NOT met"
	}
	fmt.Printf("autoplan: %s from delivery to check run (goal ≤ %s: %s); %.2fx rigel diff, %.2fx the floor\n",
		ms(med), autoplanGoal, verdict, float64(med)/float64(diff), float64(med)/float64(floor))
}

// waitFor polls done until it is true or within has passed.
func waitFor(within time.Duration, done func() bool) error {
	for deadline := time.Now().Add(within); !done(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", within)
		}
	}
	return nil
}
