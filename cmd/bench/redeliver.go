package main

import (
	"fmt"
	gosync "sync"
	"time"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// The redelivery figure (issue 14, "a burst of 10,000 loses nothing without human action"):
// the fake GitHub delivers 10,000 `/rigel help` comments at once to a `rigel serve` process
// with the default queue and workers, recording each delivery in its delivery log as GitHub
// does. Nobody redelivers by hand: the bot's leader reads the log and asks GitHub to
// redeliver what failed. The goal: every comment answered exactly once.
const (
	redeliverBurst         = 10000
	redeliverSenders       = 200 // deliveries in flight at once from the fake GitHub
	redeliverConversations = 100
	redeliverRepo          = "acme/redeliver"
	redeliverEvery         = "5s" // RIGEL_REDELIVER_EVERY; default 1m: rounds come sooner here
	redeliverRate          = "100"
	redeliverWait          = 10 * time.Minute
)

// redeliverMain is `bench redeliver`: only the redelivery figure, on a cluster of its own.
func redeliverMain() int {
	return alone("redeliver", func(c *testenv.Cluster, rigel, self, work string) error { return redeliverBench(c, rigel, work) })
}

// redeliverBench runs the burst against cluster c with the bot binary and prints the figure.
func redeliverBench(c *testenv.Cluster, bot, work string) error {
	gh, err := testenv.StartGitHub(nil)
	if err != nil {
		return err
	}
	defer gh.Stop()
	gh.AddRepo(redeliverRepo, "main", loadGitURL+"/acme/redeliver.git")
	for i := 1; i <= redeliverConversations; i++ {
		gh.AddIssue(redeliverRepo, i, fmt.Sprintf("Redeliver %d", i))
	}
	const ns = "bench-redeliver"
	if err := c.CreateNamespace(ns); err != nil {
		return err
	}
	bp, err := startBotProcess(c, gh, bot, work, "redeliver", ns,
		"RIGEL_COMMAND_RATE=0", // one commenter sends them all (load.go)
		"RIGEL_GIT_URL="+loadGitURL,
		"RIGEL_REDELIVER_EVERY="+redeliverEvery, "RIGEL_REDELIVER_RATE="+redeliverRate,
	)
	if err != nil {
		return err
	}
	defer bp.stop()
	gh.SetHook(bp.base+app.HookPath, loadSecret)
	replies := func() int {
		n := 0
		for i := 1; i <= redeliverConversations; i++ {
			for _, cm := range gh.Comments(redeliverRepo, i) {
				if cm.User == gh.BotLogin() {
					n++
				}
			}
		}
		return n
	}
	bodies := make(chan []byte, redeliverBurst)
	for i := 0; i < redeliverBurst; i++ {
		bodies <- gh.CommentEvent(testenv.CommentOpts{Repo: redeliverRepo, Issue: i%redeliverConversations + 1, Body: "/rigel help", User: "octocat", InstallationID: gh.InstallationID})
	}
	close(bodies)
	fmt.Printf("redeliver: the fake GitHub delivers %d `/rigel help` comments, %d at a time, to a bot process (default queue and workers; RIGEL_REDELIVER_EVERY=%s, RIGEL_REDELIVER_RATE=%s)…\n",
		redeliverBurst, redeliverSenders, redeliverEvery, redeliverRate)
	start := time.Now()
	var wg gosync.WaitGroup
	var mu gosync.Mutex
	failedFirst := 0
	failedBy := map[string]int{} // why: the answer's status, or GitHub's word for none
	for range redeliverSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range bodies {
				d, err := gh.Deliver("issue_comment", body)
				if err != nil || d.StatusCode < 200 || d.StatusCode > 299 {
					mu.Lock()
					failedFirst++
					failedBy[d.Status]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	deadline := time.Now().Add(redeliverWait)
	for replies() < redeliverBurst && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	done := time.Since(start)
	time.Sleep(12 * time.Second) // two more rounds: a duplicate would show
	handled := replies()
	redelivered, stillFailed := 0, map[string]bool{}
	for _, d := range gh.HookDeliveries() { // oldest first
		if d.Redelivery {
			redelivered++
		}
		stillFailed[d.GUID] = d.StatusCode < 200 || d.StatusCode > 299
	}
	unanswered := 0
	for _, f := range stillFailed {
		if f {
			unanswered++
		}
	}
	lost, twice := max(0, redeliverBurst-handled), max(0, handled-redeliverBurst)
	verdict := "met"
	if lost > 0 || twice > 0 {
		verdict = "NOT met"
	}
	fmt.Printf("\n%-44s %10s\n", "redelivery of a burst (loopback)", "")
	fmt.Printf("%-44s %10d\n", "deliveries", redeliverBurst)
	fmt.Printf("%-44s %10d\n", "failed at first (503, 5xx, no answer)", failedFirst)
	for why, n := range failedBy {
		fmt.Printf("  %-42s %10d\n", why, n)
	}
	fmt.Printf("%-44s %10d\n", "redeliveries the leader asked (GitHub's log)", redelivered)
	fmt.Printf("%-44s %10d\n", "events whose last delivery failed", unanswered)
	fmt.Printf("%-44s %10s\n", "burst sent in", sent.Round(time.Millisecond))
	fmt.Printf("%-44s %10s\n", "every command answered after", done.Round(time.Millisecond))
	fmt.Printf("peak RSS of the bot process (VmHWM, whole run): %.1f MiB\n", float64(vmHWM(bp.cmd.Process.Pid))/1024)
	fmt.Printf("a burst of %d without human action: %d answered, %d lost, %d run twice (goal: 0 lost, 0 twice) — %s\n",
		redeliverBurst, handled, lost, twice, verdict)
	return nil
}
