package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// deploymentsOf are the GitHub Deployments of environment name in r, oldest first.
func deploymentsOf(r repo, name string) []testenv.DeploymentRecord {
	var out []testenv.DeploymentRecord
	for _, d := range gh.Deployments(r.full) {
		if d.Environment == name {
			out = append(out, d)
		}
	}
	return out
}

// statesOf is d's statuses, "state: description" each.
func statesOf(d testenv.DeploymentRecord) []string {
	var out []string
	for _, s := range d.Statuses {
		out = append(out, s.State+": "+s.Description)
	}
	return out
}

// hasMessage says whether the receiver took a message containing each of wants.
func hasMessage(w *testenv.WebhookReceiver, wants ...string) bool {
	for _, m := range w.Messages() {
		all := true
		for _, want := range wants {
			all = all && strings.Contains(m.Text, want)
		}
		if all {
			return true
		}
	}
	return false
}

// TestNotifications (issue 12): each apply is a GitHub Deployment of the applied commit in
// the environment named after the deployment, in_progress then success; a hand edit sets a
// drift failure status on it and a sync clears it; an apply that prunes says what it deleted;
// an apply that ends unhealthy is a failure status; the webhook (its URL in a Secret) receives a message for each, with no Secret data
// and no URL in them, and a webhook failing at first is retried.
func TestNotifications(t *testing.T) {
	hook, err := testenv.StartWebhookReceiver()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hook.Stop)
	hook.FailNext(503) // the first message is taken on a retry
	hookPath := "/services/T0/B0/" + unique("hooktoken")
	ctx := context.Background()
	b := startBotWith(t, func(s *config.Settings) {
		s.DriftInterval, s.ApplyWait = time.Second, 3*time.Second
		s.NotifyDeployments, s.NotifyWebhookSecret = true, "rigel-notify"
		if _, err := kc.Typed.CoreV1().Secrets(s.Namespace).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "rigel-notify"},
			Data:       map[string][]byte{config.DefaultNotifyWebhookKey: []byte(hook.URL() + hookPath)},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	ns := unique("notify")
	password := unique("pw-hunter-")
	files := webFiles(ns, 1, password)
	files["apps/web/k8s/extra.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-extra\n  namespace: " + ns + "\n"
	r := newRepo(t, files)
	name := unique("notifyweb")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")
	_, dep := b.registry().FindDeployment(name)
	if dep == nil || dep.LastSync == nil {
		t.Fatalf("%s has no last sync after its apply", name)
	}
	first := dep.LastSync.Commit

	// The apply is a deployment of its commit, in progress then successful, by the app.
	waitFor(t, "a successful deployment of "+name, func() bool {
		ds := deploymentsOf(r, name)
		return len(ds) == 1 && ds[0].LatestState() == "success"
	})
	d := deploymentsOf(r, name)[0]
	if d.SHA != first || d.Creator != gh.AppSlug+"[bot]" || len(d.Statuses) != 2 || d.Statuses[0].State != "in_progress" {
		t.Fatalf("deployment %+v: want one of %s by the app, in_progress then success", d, first)
	}
	mustContain(t, d.Statuses[1].Description, "applied "+first[:7], "created")
	if link := fmt.Sprintf("/%s/issues/%d", r.full, c.number); !strings.HasSuffix(d.Statuses[1].LogURL, link) {
		t.Errorf("the status links to %q, want the conversation …%s", d.Statuses[1].LogURL, link)
	}
	waitFor(t, "the message of the apply (after a 503)", func() bool { return hasMessage(hook, "applied *"+name+"*", "`"+first[:7]+"`") })

	// A hand edit: drift is a failure status on that deployment, once, and a message.
	handEdit(t, ns, "web-config", "LOG_LEVEL", "debug") // as kubectl edit makes it
	waitFor(t, "the drift status", func() bool {
		ds := deploymentsOf(r, name)
		return len(ds) == 1 && ds[0].LatestState() == "failure"
	})
	mustContain(t, deploymentsOf(r, name)[0].Statuses[2].Description, "drifted: 0 to create, 1 to change")
	waitFor(t, "the message of the drift", func() bool { return hasMessage(hook, "*"+name+"* drifted from") })
	time.Sleep(1500 * time.Millisecond) // more sweeps of the same drift: no more statuses
	if got := statesOf(deploymentsOf(r, name)[0]); len(got) != 3 {
		t.Fatalf("statuses after more sweeps of the same drift: %q", got)
	}

	// A sync restores git's state: a second deployment, and the drift is gone.
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Succeeded")
	waitFor(t, "the drift cleared on GitHub", func() bool {
		ds := deploymentsOf(r, name)
		return len(ds) == 2 && strings.Contains(strings.Join(statesOf(ds[1]), "\n"), "success: in sync again")
	})
	waitFor(t, "the message of the drift gone", func() bool { return hasMessage(hook, "*"+name+"* is in sync again") })

	// A prune is told with the apply that made it.
	if _, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/extra.yaml": ""}, "drop web-extra"); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel sync "+name), "1 orphaned (not pruned)")
	mustContain(t, c.reply("/rigel apply "+name+" --prune"), "Succeeded", "(pruned)")
	waitFor(t, "the status of the apply that pruned", func() bool {
		ds := deploymentsOf(r, name)
		return len(ds) == 3 && ds[2].LatestState() == "success" && strings.Contains(ds[2].Statuses[len(ds[2].Statuses)-1].Description, "1 deleted")
	})
	waitFor(t, "the message of the prune", func() bool { return hasMessage(hook, "applied *"+name+"*", "1 deleted", "Pruned 1, 0 not deleted") })

	// An apply that ends unhealthy is a failure status.
	stuck := webDeployment(ns, 2, "  annotations:\n    "+testenv.StuckAnnotation+": \"true\"\n")
	head, err := git.Commit(r.full, "main", map[string]string{"apps/web/k8s/deploy/deployment.yaml": stuck}, "a rollout that never ends")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.reply("/rigel apply "+name), "Unhealthy")
	waitFor(t, "the failure status of the unhealthy apply", func() bool {
		ds := deploymentsOf(r, name)
		return len(ds) == 4 && ds[3].SHA == head && ds[3].LatestState() == "failure"
	})
	mustContain(t, strings.Join(statesOf(deploymentsOf(r, name)[3]), "\n"), "in_progress: applying "+head[:7], "failure: unhealthy after applying "+head[:7])
	waitFor(t, "the message of the unhealthy apply", func() bool { return hasMessage(hook, ":warning:", "*"+name+"*", "`"+head[:7]+"`") })

	// Nothing carries the Secret's data or the webhook's URL; Slack would take every request.
	for _, m := range hook.Messages() {
		mustNotContain(t, m.Text, password, hookPath, "LOG_LEVEL")
		if m.Path != hookPath {
			t.Errorf("a message went to %s", m.Path)
		}
	}
	for _, d := range deploymentsOf(r, name) {
		mustNotContain(t, d.Description+strings.Join(statesOf(d), "\n"), password)
	}
	if v := hook.Violations(); len(v) > 0 {
		t.Fatalf("requests Slack would refuse: %v", v)
	}
}

// TestNotificationsTokenMode (issue 12): in token mode, an apply through the HTTP API is a
// GitHub Deployment made by the token's user, in progress then successful.
func TestNotificationsTokenMode(t *testing.T) {
	const token, login = "ghp_e2eNotifyTokenForRigel0123456789", "rigel-notifier"
	gh.AddPAT(token, login)
	git.AllowToken(token)
	b := startBotWith(t, func(s *config.Settings) {
		s.AppID, s.PrivateKey, s.Token, s.TokenLogin = 0, nil, token, login
		s.APIToken, s.NotifyDeployments = apiToken, true
	})
	r := newRepo(t, webFiles(unique("notifypat"), 1, "pw"))
	b.api("POST", "/api/git/sources", map[string]any{"repo": r.full}, http.StatusCreated)
	name := unique("notifypat")
	mustContain(t, b.issue(r).reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	p := b.api("POST", "/api/git/sync", map[string]any{"repo": r.full, "deployment": name}, http.StatusOK)
	if got := b.api("POST", "/api/git/sync", p.body["apply"], http.StatusOK); got.str("status") != "Succeeded" {
		t.Fatalf("applied %s", got.raw)
	}
	waitFor(t, "a successful deployment of "+name, func() bool {
		ds := deploymentsOf(r, name)
		return len(ds) == 1 && ds[0].LatestState() == "success"
	})
	if d := deploymentsOf(r, name)[0]; d.Creator != login || d.SHA != p.str("commit") || len(d.Statuses) != 2 || d.Statuses[0].State != "in_progress" {
		t.Fatalf("deployment %+v: want one of %s by %s, in_progress then success", d, p.str("commit"), login)
	}
}
