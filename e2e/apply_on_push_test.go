package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Push-triggered sync (issue 12), end to end: real apiserver, git server and fake GitHub
// (commit comments, check runs), signed push deliveries to the real HTTP server, and the
// leader's polling fallback when no delivery comes.

// pushSecret is the password of the Secret in the test folders: no report may show it.
const pushSecret = "s3cr3t-of-the-push-test"

// pushFiles is webFiles with two more folders: api and docs, a ConfigMap each in ns.
func pushFiles(ns string) map[string]string {
	f := webFiles(ns, 1, pushSecret)
	f["apps/api/k8s/cm.yaml"] = pushConfigMap(ns, "api", "1")
	f["apps/docs/k8s/cm.yaml"] = pushConfigMap(ns, "docs", "1")
	return f
}

func pushConfigMap(ns, name, v string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  v: %q\n", name, ns, v)
}

// setDeployment changes deployment name in the registry as a cluster admin edits the ConfigMap.
func setDeployment(t *testing.T, b *bot, name string, change func(d *config.Deployment)) {
	t.Helper()
	_, err := config.NewRegistry(kc.Typed, b.namespace).Update(context.Background(), func(src *config.Sources) error {
		_, d := src.FindDeployment(name)
		if d == nil {
			return fmt.Errorf("no deployment %s", name)
		}
		change(d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitCommitComments waits for at least n of Rigel's comments on commit sha, and returns them.
func waitCommitComments(t *testing.T, b *bot, full, sha string, n int, within time.Duration) []testenv.CommitCommentRecord {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var got []testenv.CommitCommentRecord
		for _, c := range gh.CommitComments(full, sha) {
			if c.User == b.app.BotLogin {
				got = append(got, c)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d comments of Rigel on %s after %s, want %d", len(got), sha, within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastSyncOf is the registry's last sync of name (nil: none).
func lastSyncOf(t *testing.T, b *bot, name string) *config.LastSync {
	t.Helper()
	_, d := b.registry().FindDeployment(name)
	if d == nil {
		t.Fatalf("no deployment %s", name)
	}
	return d.LastSync
}

// TestApplyOnPush: three deployments of one repository, web and api applied on push, docs only
// by command. A push that changes web's and docs' folders applies web (and only web): its
// commit gets Rigel's comment and a successful rigel/apply check, the registry records the
// sync as a push; api (untouched) and docs (not applied on push) are left alone. The same push
// delivered again does nothing more. A push of web that its policy refuses applies nothing and
// says why in the commit comment.
func TestApplyOnPush(t *testing.T) {
	b := startBot(t)
	ns := unique("push")
	r := newRepo(t, pushFiles(ns))
	web, api, docs := unique("pushweb"), unique("pushapi"), unique("pushdocs")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+web), "Registered deployment")
	mustContain(t, c.reply("/rigel add-deployment apps/api/k8s --name "+api), "Registered deployment")
	mustContain(t, c.reply("/rigel add-deployment apps/docs/k8s --name "+docs), "Registered deployment")
	for _, name := range []string{web, api} {
		setDeployment(t, b, name, func(d *config.Deployment) { d.ApplyOn = config.ApplyOnPush })
	}

	after, err := git.Commit(r.full, "main", map[string]string{
		"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 2, ""),
		"apps/docs/k8s/cm.yaml":               pushConfigMap(ns, "docs", "2"),
	}, "two replicas, and docs")
	if err != nil {
		t.Fatal(err)
	}
	body, err := gh.PushEvent(testenv.PushOpts{Repo: r.full, After: after})
	if err != nil {
		t.Fatal(err)
	}
	deliverPush(t, b, body)
	got := waitCommitComments(t, b, r.full, after, 1, 90*time.Second)
	mustContain(t, got[0].Body, "Pushed `"+after[:7]+"` to `main`: Rigel applied `"+web+"`", "the push changes `apps/web/k8s/deploy/deployment.yaml`", "Succeeded")
	if n := replicasOf(t, ns); n != 2 {
		t.Fatalf("after the push web has %d replicas, want 2", n)
	}
	if cr := waitApplyCheck(t, r.full, after, web); cr.Conclusion != "success" {
		t.Fatalf("rigel/apply: %s is %q, want success", web, cr.Conclusion)
	}
	if ls := lastSyncOf(t, b, web); ls == nil || ls.Commit != after || ls.Kind != config.SyncKindPush || ls.Status != "Succeeded" {
		t.Fatalf("last sync of %s: %+v, want a push at %s", web, ls, after)
	}
	for _, name := range []string{api, docs} {
		if ls := lastSyncOf(t, b, name); ls != nil {
			t.Fatalf("%s was applied by the push: %+v", name, ls)
		}
	}
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Get(context.Background(), "docs", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("docs (applied only by command) is in the cluster after the push: %v", err)
	}

	// The same push again (a redelivery under a new id): nothing more is applied or said.
	deliverPush(t, b, body)
	time.Sleep(2 * time.Second)
	if n := len(gh.CommitComments(r.full, after)); n != 1 {
		t.Fatalf("%d comments on %s after the push was delivered again, want 1", n, after[:7])
	}
	if ls := lastSyncOf(t, b, web); ls == nil || ls.Commit != after {
		t.Fatalf("last sync of %s after the redelivery: %+v", web, ls)
	}

	t.Run("a push the policy refuses applies nothing and says why", func(t *testing.T) {
		setDeployment(t, b, web, func(d *config.Deployment) { d.Policy = &config.Policy{Namespaces: []string{"elsewhere-*"}} })
		refused, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 3, "")}, "three replicas")
		if err != nil {
			t.Fatal(err)
		}
		body, err := gh.PushEvent(testenv.PushOpts{Repo: r.full, After: refused})
		if err != nil {
			t.Fatal(err)
		}
		deliverPush(t, b, body)
		got := waitCommitComments(t, b, r.full, refused, 1, 90*time.Second)
		mustContain(t, got[0].Body, "Pushed `"+refused[:7]+"` to `main`: Rigel did not apply `"+web+"`", "policy of `"+web+"` refuses", "Nothing was applied", "**Next:**")
		for _, cc := range gh.CommitComments(r.full, "") {
			if strings.Contains(cc.Body, pushSecret) {
				t.Fatalf("a report on %s shows the Secret's data", cc.SHA[:7])
			}
		}
		if n := replicasOf(t, ns); n != 2 {
			t.Fatalf("after the refused push web has %d replicas, want 2", n)
		}
		if cr := waitApplyCheck(t, r.full, refused, web); cr.Conclusion != "failure" {
			t.Fatalf("rigel/apply: %s on the refused commit is %q, want failure", web, cr.Conclusion)
		}
		if ls := lastSyncOf(t, b, web); ls == nil || ls.Commit != after {
			t.Fatalf("last sync of %s after the refused push: %+v, want still %s", web, ls, after)
		}
	})

	t.Run("report: issue#N says it in the issue instead", func(t *testing.T) {
		setDeployment(t, b, web, func(d *config.Deployment) { d.Report = fmt.Sprintf("issue#%d", c.number) })
		before := len(c.botComments())
		next, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 4, "")}, "four replicas")
		if err != nil {
			t.Fatal(err)
		}
		body, err := gh.PushEvent(testenv.PushOpts{Repo: r.full, After: next})
		if err != nil {
			t.Fatal(err)
		}
		deliverPush(t, b, body)
		c.waitReplies(before + 1)
		mustContain(t, c.botComments()[before].Body, "Pushed `"+next[:7]+"` to `main`: Rigel did not apply `"+web+"`", "policy of `"+web+"` refuses")
		if n := len(gh.CommitComments(r.full, next)); n != 0 {
			t.Fatalf("%d comments on the commit, want the report in the issue only", n)
		}
	})
}

// TestApplyOnPushPoll: with RIGEL_POLL_INTERVAL set and no push delivered, the leader applies
// an applyOn: push deployment at its branch's tip (first the tip it never synced, then a
// commit pushed later) within an interval, and reports it on the commit.
func TestApplyOnPushPoll(t *testing.T) {
	const interval = 2 * time.Second
	b := startBotWith(t, func(s *config.Settings) { s.PollInterval = interval })
	ns := unique("poll")
	r := newRepo(t, webFiles(ns, 1, pushSecret))
	name := unique("pollweb")
	mustContain(t, b.issue(r).reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	first, err := git.Head(r.full, "main")
	if err != nil {
		t.Fatal(err)
	}
	setDeployment(t, b, name, func(d *config.Deployment) { d.ApplyOn = config.ApplyOnPush })
	got := waitCommitComments(t, b, r.full, first, 1, 60*time.Second)
	mustContain(t, got[0].Body, "Rigel applied `"+name+"`", "no earlier commit to compare with")
	if n := replicasOf(t, ns); n != 1 {
		t.Fatalf("web has %d replicas, want 1", n)
	}

	// A commit whose push is never delivered.
	next, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 3, "")}, "three replicas")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Within one interval (jittered +10%) the poll starts; the apply then waits for health.
	got = waitCommitComments(t, b, r.full, next, 1, interval*11/10+b.applyWait())
	t.Logf("applied %s %s after the commit", next[:7], time.Since(start).Round(time.Millisecond))
	mustContain(t, got[0].Body, "Rigel applied `"+name+"`", "the push changes `apps/web/k8s/deploy/deployment.yaml`", "Succeeded")
	if n := replicasOf(t, ns); n != 3 {
		t.Fatalf("after the poll web has %d replicas, want 3", n)
	}
	if ls := lastSyncOf(t, b, name); ls == nil || ls.Commit != next || ls.Kind != config.SyncKindPush {
		t.Fatalf("last sync: %+v, want a push at %s", ls, next)
	}
	// Later polls leave the synced tip alone.
	time.Sleep(2 * interval)
	if n := len(gh.CommitComments(r.full, next)); n != 1 {
		t.Fatalf("%d comments on %s after more polls, want 1", n, next[:7])
	}
}

// applyWait is the bot's RIGEL_APPLY_WAIT as the test bots set it (botSettings).
func (b *bot) applyWait() time.Duration { return 20 * time.Second }

// TestApplyOnPushTokenMode: with a personal access token instead of an app, the poll applies
// an applyOn: push deployment too; the report is the token's commit comment and the apply
// check a commit status (no check runs).
func TestApplyOnPushTokenMode(t *testing.T) {
	const token, login = "ghp_e2eTokenForPushes0123456789abcd", "rigel-pushes"
	gh.AddPAT(token, login)
	git.AllowToken(token)
	b := startBotWith(t, func(s *config.Settings) {
		s.AppID, s.PrivateKey, s.Token, s.TokenLogin = 0, nil, token, login
		s.APIToken, s.PollInterval = apiToken, time.Second
	})
	ns := unique("tokenpush")
	r := newRepo(t, webFiles(ns, 1, pushSecret))
	b.api("POST", "/api/git/sources", map[string]any{"repo": r.full}, http.StatusCreated)
	name := unique("tokenweb")
	mustContain(t, b.issue(r).reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	setDeployment(t, b, name, func(d *config.Deployment) { d.ApplyOn = config.ApplyOnPush })
	first, err := git.Head(r.full, "main")
	if err != nil {
		t.Fatal(err)
	}
	waitCommitComments(t, b, r.full, first, 1, 60*time.Second)
	next, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": webDeployment(ns, 2, "")}, "two replicas")
	if err != nil {
		t.Fatal(err)
	}
	got := waitCommitComments(t, b, r.full, next, 1, 30*time.Second)
	if got[0].User != login {
		t.Fatalf("the report is %s's, want the token's %s", got[0].User, login)
	}
	mustContain(t, got[0].Body, "Rigel applied `"+name+"`", "Succeeded")
	if n := replicasOf(t, ns); n != 2 {
		t.Fatalf("web has %d replicas, want 2", n)
	}
	if st, ok := gh.LatestStatus(r.full, next, "rigel/apply: "+name); !ok || st.State != "success" {
		t.Fatalf("rigel/apply status on %s: %+v (found %v), want success", next[:7], st, ok)
	}
	if runs := gh.CheckRuns(r.full, next); len(runs) != 0 {
		t.Fatalf("check runs %+v in token mode", runs)
	}
	time.Sleep(3 * time.Second) // more polls
	if n := len(gh.CommitComments(r.full, next)); n != 1 {
		t.Fatalf("%d reports on %s after more polls, want 1", n, next[:7])
	}
}
