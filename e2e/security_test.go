package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// replyAs posts a comment by user and returns the bot's one reply.
func (c *conversation) replyAs(user, body string) string {
	c.b.t.Helper()
	before := len(c.botComments())
	if code := c.post(body, func(o *commentOpts) { o.User = user }); code >= 300 {
		c.b.t.Fatalf("webhook answered %d", code)
	}
	c.waitReplies(before + 1)
	return c.botComments()[before].Body
}

// deploymentExists says whether the app's Deployment is in namespace ns.
func deploymentExists(t *testing.T, ns string) bool {
	t.Helper()
	_, err := kc.Typed.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	switch {
	case err == nil:
		return true
	case apierrors.IsNotFound(err):
		return false
	default:
		t.Fatal(err)
		return false
	}
}

func TestPermissions(t *testing.T) {
	b := startBot(t)
	ns := unique("perm")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("permweb")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	c.reply("/rigel sync " + name) // armed by octocat (write, the fake's default)

	reader, triager, outsider, maintainer := unique("reader"), unique("triager"), unique("outsider"), unique("maintainer")
	gh.SetPermission(r.full, reader, "read")
	gh.SetPermission(r.full, triager, "triage")
	gh.SetPermission(r.full, outsider, "none")
	gh.SetPermission(r.full, maintainer, "maintain")

	cases := []struct {
		user, say  string
		have, need string // "" when the command is allowed
	}{
		{reader, "/rigel help", "", ""},
		{reader, "/rigel list", "", ""},
		{reader, "/rigel diff " + name, "", ""},
		{reader, "/rigel sync " + name, "read", "write"},
		{reader, "/rigel apply " + name, "read", "write"},
		{reader, "/rigel add-deployment apps/web/k8s --name " + unique("sneaky"), "read", "write"},
		{reader, "/rigel remove-deployment " + name, "read", "write"},
		{triager, "/rigel apply " + name, "triage", "write"},
		{outsider, "/rigel help", "none", "read"},
		{outsider, "/rigel list", "none", "read"},
		{outsider, "/rigel", "none", "read"}, // a bare prefix is help
		{maintainer, "/rigel diff " + name, "", ""},
	}
	for _, tc := range cases {
		verb := "help"
		if f := strings.Fields(tc.say); len(f) > 1 {
			verb = f[1]
		}
		t.Run(tc.user+" "+verb, func(t *testing.T) {
			got := c.replyAs(tc.user, tc.say)
			if tc.need == "" {
				mustNotContain(t, got, "❌", "needs `")
				return
			}
			mustContain(t, got, "❌", "@"+tc.user, "the `"+tc.have+"` role on "+r.full, "`/rigel "+verb+"` needs `"+tc.need+"` or higher", "Nothing was done")
		})
	}
	t.Run("refusals changed nothing", func(t *testing.T) {
		repo := b.registry().FindRepo(r.full)
		if repo == nil || len(repo.Deployments) != 1 || repo.Deployments[0].Name != name {
			t.Fatalf("registry = %+v, want only %s", repo, name)
		}
		if deploymentExists(t, ns) {
			t.Fatal("a refused apply created the deployment")
		}
	})
	t.Run("a role change counts at once", func(t *testing.T) {
		user := unique("promoted")
		gh.SetPermission(r.full, user, "read")
		mustContain(t, c.replyAs(user, "/rigel sync "+name), "needs `write`")
		gh.SetPermission(r.full, user, "write")
		mustContain(t, c.replyAs(user, "/rigel sync "+name), "/rigel apply "+name)
		gh.SetPermission(r.full, user, "read")
		mustContain(t, c.replyAs(user, "/rigel apply "+name), "needs `write`")
		if deploymentExists(t, ns) {
			t.Fatal("an apply by a demoted user created the deployment")
		}
	})
	t.Run("someone with the role applies", func(t *testing.T) {
		mustContain(t, c.replyAs(maintainer, "/rigel apply "+name), "Rigel applied `"+name+"`", "Succeeded")
		if !deploymentExists(t, ns) {
			t.Fatal("the allowed apply did not create the deployment")
		}
	})
}

func TestConfiguredPermissions(t *testing.T) {
	b := startBotWith(t, func(s *config.Settings) {
		s.Permissions = map[string]string{"apply": "maintain", "list": "write"}
	})
	ns := unique("cperm")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("cpermweb")
	c := b.issue(r)
	c.reply("/rigel add-deployment apps/web/k8s --name " + name)
	writer, maintainer, reader := unique("writer"), unique("maint"), unique("rdr")
	gh.SetPermission(r.full, writer, "write")
	gh.SetPermission(r.full, maintainer, "maintain")
	gh.SetPermission(r.full, reader, "read")

	mustContain(t, c.replyAs(reader, "/rigel list"), "❌", "`/rigel list` needs `write`")
	mustContain(t, c.replyAs(reader, "/rigel diff "+name), "to create") // not configured: the default, read
	mustContain(t, c.replyAs(writer, "/rigel sync "+name), "/rigel apply "+name)
	mustContain(t, c.replyAs(writer, "/rigel apply "+name), "❌", "the `write` role", "`/rigel apply` needs `maintain` or higher")
	if deploymentExists(t, ns) {
		t.Fatal("a refused apply created the deployment")
	}
	mustContain(t, c.replyAs(maintainer, "/rigel apply "+name), "Rigel applied `"+name+"`")
}

func TestPullRequestApplyGates(t *testing.T) {
	b := startBot(t)
	ns := unique("gate")
	r := newRepo(t, webFiles(ns, 1, "pw"))
	name := unique("gateweb")
	b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
	head, err := git.Commit(r.full, "feature", map[string]string{"apps/web/k8s/extra.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: %s\n", ns)}, "add extra")
	if err != nil {
		t.Fatal(err)
	}
	pr := b.pull(r, head)
	mustContain(t, pr.reply("/rigel sync "+name), "/rigel apply "+name)
	bob, carol := unique("bob"), unique("carol")
	no, yes := false, true

	steps := []struct {
		name    string
		setup   func()
		want    []string
		notWant []string
	}{
		{"no review", func() {}, []string{"is not ready to apply", "nobody with `write` access has approved", "ask a reviewer to approve"}, []string{"changes are requested"}},
		{"a comment review is no approval", func() { gh.AddReview(r.full, pr.number, bob, "COMMENTED") }, []string{"nobody with `write` access has approved"}, nil},
		{"one approves, one requests changes", func() {
			gh.AddReview(r.full, pr.number, bob, "CHANGES_REQUESTED")
			gh.AddReview(r.full, pr.number, carol, "APPROVED")
		}, []string{"changes are requested by @" + bob}, []string{"nobody with"}},
		{"conflicts", func() {
			gh.AddReview(r.full, pr.number, bob, "APPROVED") // bob's latest review now approves
			gh.SetPullMergeable(r.full, pr.number, &no, "dirty")
		}, []string{"merge conflicts with `main`", "/rigel sync"}, []string{"changes are requested", "nobody with"}},
		{"not mergeable for another reason", func() { gh.SetPullMergeable(r.full, pr.number, &no, "blocked") }, []string{"branch protection of `main` is not met (mergeable_state `blocked`)"}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.setup()
			got := pr.reply("/rigel apply " + name)
			mustContain(t, got, append([]string{"❌", "PR #", "nothing was applied", "/rigel apply"}, st.want...)...)
			mustNotContain(t, got, st.notWant...)
			if deploymentExists(t, ns) {
				t.Fatal("a refused apply created the deployment")
			}
		})
	}
	t.Run("approved and mergeable applies", func(t *testing.T) {
		gh.SetPullMergeable(r.full, pr.number, &yes, "clean")
		got := pr.reply("/rigel apply " + name)
		mustContain(t, got, "Rigel applied `"+name+"`", "Succeeded")
		if !deploymentExists(t, ns) {
			t.Fatal("the apply did not create the deployment")
		}
		gh.SetPullMergeable(r.full, pr.number, &yes, "clean")
	})
}

func TestForkPullRequests(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allow   bool
		applied bool
	}{
		{"refused by default", false, false},
		{"applied when allowed", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBotWith(t, func(s *config.Settings) { s.AllowForkApply = tc.allow })
			ns := unique("fork")
			r := newRepo(t, webFiles(ns, 1, "pw"))
			name := unique("forkweb")
			b.issue(r).reply("/rigel add-deployment apps/web/k8s --name " + name)
			head, err := git.Commit(r.full, "feature", map[string]string{"apps/web/k8s/extra.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: %s\n", ns)}, "from a fork")
			if err != nil {
				t.Fatal(err)
			}
			pr := b.pull(r, head)
			fork := unique("mallory") + "/web"
			gh.SetPullFork(r.full, pr.number, fork)
			gh.AddReview(r.full, pr.number, unique("reviewer"), "APPROVED")
			pr.reply("/rigel sync " + name)
			got := pr.reply("/rigel apply " + name)
			if tc.applied {
				mustContain(t, got, "Rigel applied `"+name+"`")
			} else {
				mustContain(t, got, "❌", "the fork `"+fork+"`", "does not apply pull requests from forks", "Nothing was applied", "RIGEL_ALLOW_FORK_APPLY")
			}
			if deploymentExists(t, ns) != tc.applied {
				t.Fatalf("deployment exists = %v, want %v", !tc.applied, tc.applied)
			}
		})
	}
}

func TestRedeliveryRunsOnce(t *testing.T) {
	b := startBot(t)
	r := newRepo(t, webFiles(unique("redeliver"), 1, "pw"))
	c := b.issue(r)
	payload := gh.CommentEvent(commentOpts{
		Repo: r.full, DefaultBranch: r.branch, CloneURL: git.CloneURL(r.full), Issue: c.number,
		Body: "/rigel list", User: "octocat", UserType: "User", InstallationID: gh.InstallationID,
	})
	deliver := func(id string) {
		t.Helper()
		resp, err := testenv.PostWebhookDelivery(b.url+app.HookPath, webhookSecret, "issue_comment", id, payload)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
	}
	deliver("72d3162e-cc78-11e3-81ab-4c9367dc0958")
	deliver("72d3162e-cc78-11e3-81ab-4c9367dc0958") // GitHub's "Redeliver"
	c.waitReplies(1)
	c.reply("/rigel help") // a later delivery is answered: the redelivery had its turn
	time.Sleep(300 * time.Millisecond)
	if got := c.botComments(); len(got) != 2 {
		t.Fatalf("got %d replies, want 2 (the redelivery must not run again): %+v", len(got), got)
	}
	deliver("0b989ba4-242f-11e5-81e1-c7b6966d2516") // the same signed comment replayed under a new id: the same event (issue 9)
	c.reply("/rigel help")
	time.Sleep(300 * time.Millisecond)
	if got := c.botComments(); len(got) != 3 {
		t.Fatalf("got %d replies, want 3 (a replay under a new delivery id must not run again): %+v", len(got), got)
	}
}
