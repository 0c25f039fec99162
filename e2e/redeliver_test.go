package e2e

import (
	"context"
	"fmt"
	"net/http"
	gosync "sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/kube"
)

// TestBurstRedelivered (issue 14): GitHub delivers a burst of comments to a Rigel whose queue
// is tiny, so most deliveries are answered 503 and recorded as failed in the app's delivery
// log. Nobody redelivers by hand: the leader reads the log and asks GitHub to redeliver them,
// and in the end every command ran exactly once (one reply in each conversation, and no more
// after further rounds), each failed delivery was redelivered at most once and none after
// its event was delivered, rigel_webhook_redelivered_total counts what was asked, and the
// memory of it is in the apiserver. The test has a fake GitHub of its own: its delivery log
// holds only this burst.
func TestBurstRedelivered(t *testing.T) {
	ghr, full := ownGitHub(t, "acme/burst")
	b := startBotWith(t, func(s *config.Settings) {
		s.GitHubAPIURL, s.GitHubWebURL, s.AppID, s.PrivateKey = ghr.URL(), ghr.WebURL(), ghr.AppID, ghr.PrivateKeyPEM
		s.QueueSize, s.Workers = 1, 1 // most of the burst is refused
		s.RedeliverEvery, s.RedeliverRate = time.Second, 5
		s.LeaseDuration = 2 * time.Second
	})
	ghr.SetHook(b.url+app.HookPath, webhookSecret)
	waitUntil(t, 20*time.Second, "the bot to lead", b.app.Leader)

	const burst = 30
	bodies := make([][]byte, burst)
	for i := range bodies {
		ghr.AddIssue(full, i+1, fmt.Sprintf("burst %d", i+1))
		bodies[i] = ghr.CommentEvent(testenv.CommentOpts{Repo: full, Issue: i + 1, Body: "/rigel help"})
	}
	var wg gosync.WaitGroup
	codes := make([]int, burst)
	for i, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := ghr.Deliver("issue_comment", body)
			if err != nil {
				t.Error(err)
			}
			codes[i] = d.StatusCode
		}()
	}
	wg.Wait()
	refused := 0
	for _, c := range codes {
		if c == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused == 0 {
		t.Fatalf("no delivery of the burst was refused (answers %v): the test proves nothing", codes)
	}
	t.Logf("%d of %d deliveries answered 503", refused, burst)

	replies := botReplies(ghr, full, b.app.BotLogin)
	waitUntil(t, 120*time.Second, "a reply to every command of the burst", func() bool {
		for i := 1; i <= burst; i++ {
			if replies(i) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(3 * time.Second) // more rounds of redelivery: nothing runs twice
	for i := 1; i <= burst; i++ {
		if n := replies(i); n != 1 {
			t.Errorf("#%d: %d replies, want exactly one", i, n)
		}
	}

	// Each failed delivery redelivered at most once, none once its event was delivered.
	failedOf, redelivered, delivered := map[string]int{}, map[string]int{}, map[string]bool{}
	total := 0
	for _, d := range ghr.HookDeliveries() {
		if d.Redelivery {
			total++
			redelivered[d.GUID]++
			if delivered[d.GUID] {
				t.Errorf("delivery %s was redelivered after it was delivered", d.GUID)
			}
		}
		if d.StatusCode >= 200 && d.StatusCode < 300 {
			delivered[d.GUID] = true
		} else {
			failedOf[d.GUID]++
		}
	}
	if total < refused {
		t.Errorf("%d redeliveries for %d refused deliveries", total, refused)
	}
	for g, n := range redelivered {
		if n > failedOf[g] {
			t.Errorf("delivery %s: %d redeliveries for %d failed deliveries", g, n, failedOf[g])
		}
	}
	m := find(scrape(t, b.internal), "rigel_webhook_redelivered_total", map[string]string{})
	if m == nil || int(m.GetCounter().GetValue()) != total {
		t.Errorf("rigel_webhook_redelivered_total = %v, want %d (the redeliveries GitHub logged)", m.GetCounter().GetValue(), total)
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps(b.namespace).Get(context.Background(), kube.RedeliveriesConfigMap, metav1.GetOptions{}); err != nil {
		t.Errorf("the memory of redeliveries is not in the apiserver: %v", err)
	}
	if v := ghr.Violations(); len(v) > 0 {
		t.Errorf("requests the real API would refuse: %v", v)
	}
}

// ownGitHub is a fake GitHub of the test's own (its delivery log holds only the test's
// deliveries) with a repository named from prefix on the git server; it returns the
// repository's full name.
func ownGitHub(t *testing.T, prefix string) (*testenv.GitHub, string) {
	t.Helper()
	ghr, err := testenv.StartGitHub(git)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ghr.Stop)
	full := unique(prefix)
	if _, err := git.CreateRepo(full, "main", map[string]string{"README.md": full + "\n"}); err != nil {
		t.Fatal(err)
	}
	ghr.AddRepo(full, "main", git.CloneURL(full))
	return ghr, full
}

// botReplies counts the comments of login in an issue of repo full on ghr.
func botReplies(ghr *testenv.GitHub, full, login string) func(issue int) int {
	return func(issue int) int {
		n := 0
		for _, c := range ghr.Comments(full, issue) {
			if c.User == login {
				n++
			}
		}
		return n
	}
}
