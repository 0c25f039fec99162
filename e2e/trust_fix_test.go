package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"testing"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Issue 18, items 3 and 4: fix branches cannot be squatted or overwritten, a fix that edits a
// shared base says so, and fix keeps to the deployment's policy.

// predictedFixBranch is the branch name a fix of Deployment web in ns that writes after to
// path gets first, computed as anyone can: the workload and the new content are no secret.
func predictedFixBranch(ns, path, after string) string {
	h := sha256.New()
	fmt.Fprintf(h, "Deployment/%s/web\x00", ns)
	fmt.Fprintf(h, "%s\x00%d\x00", path, len(after))
	h.Write([]byte(after))
	return "rigel/fix-web-" + hex.EncodeToString(h.Sum(nil))[:7]
}

// pushByHand makes a commit on parent writing files, as name <email> (anyone can write any
// name), and points branch at it on the git server, as a writer's git push does.
func pushByHand(t *testing.T, r repo, parent, branch string, files map[string]string, name, email string) string {
	t.Helper()
	commit, err := git.CommitByHand(r.full, parent, branch, files, name, email)
	if err != nil {
		t.Fatal(err)
	}
	return commit
}

// botSig is the name and e-mail Rigel's commits carry.
func botSig() (string, string) { return gh.BotLogin(), gh.BotLogin() + "@users.noreply.github.com" }

// fileIn reports whether path exists in commit-ish rev on the git server.
func fileIn(r repo, rev, path string) bool {
	return exec.Command("git", "--git-dir", git.RepoDir(r.full), "cat-file", "-e", rev+":"+path).Run() == nil
}

// replicasFix is a plain web deployment whose fix (3 replicas) is predictable: the folder's
// environment, the edited file, its content after the fix, the branch Rigel will name and
// main's tip, as a writer who wants to squat that branch can compute them.
func replicasFix(t *testing.T) (e *fixEnv, path, want, branch, mainSHA string) {
	t.Helper()
	e = newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	path = "apps/web/k8s/deploy.yaml"
	want = replace(t, fixDeployYAML(e.ns), "replicas: 2 # enough for now", "replicas: 3 # enough for now")
	mainSHA, _ = git.Head(e.r.full, "main")
	return e, path, want, predictedFixBranch(e.ns, path, want), mainSHA
}

func TestTrustFixSquattedBranch(t *testing.T) {
	e, path, want, squatted, mainSHA := replicasFix(t)

	// A writer pushes the predictable branch first: Rigel's exact edit plus a workflow, in
	// Rigel's name, and opens a pull request of it.
	name, email := botSig()
	tip := pushByHand(t, e.r, mainSHA, squatted, map[string]string{path: want, ".github/workflows/steal.yaml": "on: push\n"}, name, email)
	const squatPR = 77
	if err := gh.AddPull(e.r.full, squatPR, tip, squatted, "main"); err != nil {
		t.Fatal(err)
	}

	cmd := fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns)
	got := e.c.reply(cmd)
	mustContain(t, got, "🔧 Opened [#", "Branch `"+squatted+"` already exists and does not hold exactly this change", "`"+squatted+"-2`")
	mustNotContain(t, got, "already proposed", "#77", "review and merge #77")
	if head, _ := git.Head(e.r.full, squatted); head != tip {
		t.Fatalf("the squatted branch moved from %s to %s", tip, head)
	}
	p := onePullFrom(t, e.r, squatted+"-2")
	if file := branchFile(t, e.r, p.Head, path); file != want {
		t.Errorf("edited file:\n%s", file)
	}
	if fileIn(e.r, "refs/heads/"+p.Head, ".github/workflows/steal.yaml") {
		t.Error("Rigel's branch carries the squatter's file")
	}
	if parent, _ := git.Head(e.r.full, p.Head+"^"); parent != mainSHA {
		t.Errorf("Rigel's commit is on %s, want main %s", parent, mainSHA)
	}

	t.Run("the same fix again vouches for Rigel's own PR, never the squatter's", func(t *testing.T) {
		again := e.c.reply(cmd)
		mustContain(t, again, "already proposed", fmt.Sprintf("[#%d]", p.Number), squatted+"-2")
		mustNotContain(t, again, "#77")
		if ps := fixPulls(e.r); len(ps) != 1 {
			t.Fatalf("pulls = %+v", ps)
		}
	})
	noPullViolations(t)
}

// TestTrustFixKeepsPeoplesCommits: a fix branch someone built on (no pull request) is not
// overwritten; the fix goes to a new branch.
func TestTrustFixKeepsPeoplesCommits(t *testing.T) {
	e, path, want, branch, mainSHA := replicasFix(t)
	// Rigel's exact commit, then alice's work on top of it.
	name, email := botSig()
	own := pushByHand(t, e.r, mainSHA, branch, map[string]string{path: want}, name, email)
	tip := pushByHand(t, e.r, own, branch, map[string]string{"apps/web/k8s/notes.yaml": "# alice's notes\n"}, "alice", "alice@example.com")

	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns))
	mustContain(t, got, "🔧 Opened [#", "Branch `"+branch+"` already exists", "`"+branch+"-2`")
	if head, _ := git.Head(e.r.full, branch); head != tip {
		t.Fatalf("alice's branch moved from %s to %s: her commit is lost", tip, head)
	}
	p := onePullFrom(t, e.r, branch+"-2")
	if file := branchFile(t, e.r, p.Head, path); file != want {
		t.Errorf("edited file:\n%s", file)
	}
}

// onePullFrom checks the bot opened exactly one PR in r, from head against main.
func onePullFrom(t *testing.T, r repo, head string) testenv.PullRequest {
	t.Helper()
	ps := fixPulls(r)
	if len(ps) != 1 || ps[0].Head != head || ps[0].Base != "main" || ps[0].State != "open" {
		t.Fatalf("pull requests opened = %+v, want one from %s", ps, head)
	}
	return ps[0]
}

// sharedBaseFiles: two overlays of one base, and an unrelated folder.
func sharedBaseFiles(ns string) map[string]string {
	return map[string]string{
		"base/kustomization.yaml":             "resources:\n  - deploy.yaml\n",
		"base/deploy.yaml":                    fixDeployYAML(ns),
		"overlays/prod/kustomization.yaml":    "resources:\n  - ../../base\n",
		"overlays/staging/kustomization.yaml": "resources:\n  - ../../base\nnamePrefix: staging-\n",
		"apps/other/cm.yaml":                  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: " + ns + "\n",
	}
}

func TestTrustFixNamesSharedBase(t *testing.T) {
	e := newFixEnv(t, sharedBaseFiles, "overlays/prod")
	staging, other := unique("staging"), unique("other")
	mustContain(t, e.c.reply(fmt.Sprintf("/rigel add-deployment overlays/staging --name %s", staging)), "Registered deployment")
	mustContain(t, e.c.reply(fmt.Sprintf("/rigel add-deployment apps/other --name %s", other)), "Registered deployment")
	fixCreateDeployment(t, e.ns, "web", e.dep, "overlays/prod")

	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns))
	warn := "This edit changes `base/deploy.yaml`, which deployment `" + staging + "` uses too"
	mustContain(t, got, "🔧 Opened [#", warn)
	mustNotContain(t, got, "`"+other+"`")
	ps := fixPulls(e.r)
	if len(ps) != 1 {
		t.Fatalf("pulls = %+v", ps)
	}
	mustContain(t, ps[0].Body, warn)
	mustNotContain(t, ps[0].Body, "`"+other+"`")
	if file := branchFile(t, e.r, ps[0].Head, "base/deploy.yaml"); file != replace(t, fixDeployYAML(e.ns), "replicas: 2 # enough for now", "replicas: 3 # enough for now") {
		t.Errorf("base:\n%s", file)
	}

	t.Run("the policy of a deployment the edit reaches is kept too", func(t *testing.T) {
		setPolicyYAML(t, e.b, e.r, staging, "namespaces: ["+unique("elsewhere")+"]")
		bs := branches(t, e.r)
		got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=4", e.ns))
		mustContain(t, got, "❌", "the policy of the deployment `"+staging+"` does not allow Deployment `staging-web` in namespace `"+e.ns+"`", "Nothing was pushed")
		if len(fixPulls(e.r)) != 1 || len(branches(t, e.r)) != len(bs) {
			t.Fatal("a fix another deployment's policy refuses pushed a branch or opened a PR")
		}
	})
	t.Run("an edit inside the folder names nobody", func(t *testing.T) {
		e := newFixEnv(t, kustomizeFiles, "overlays/prod")
		mustContain(t, e.c.reply("/rigel add-deployment base --name "+unique("base")), "Registered deployment")
		fixCreateDeployment(t, e.ns, "web", e.dep, "overlays/prod")
		got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set memory=384Mi --container web", e.ns))
		mustContain(t, got, "🔧 Opened", "overlays/prod/memory.yaml")
		mustNotContain(t, got, "This edit changes")
	})
}

func TestTrustFixKeepsToPolicy(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	elsewhere := unique("elsewhere")
	// Linked before the cluster admin narrowed the deployment to another namespace.
	setPolicyYAML(t, e.b, e.r, e.dep, "namespaces: ["+elsewhere+"]")
	bs := branches(t, e.r)
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns))
	mustContain(t, got, "❌", "the policy of the deployment `"+e.dep+"` does not allow Deployment `web` in namespace `"+e.ns+"`",
		"namespace "+e.ns+" is not allowed", "Nothing was pushed", "/rigel policy "+e.dep)
	if len(fixPulls(e.r)) != 0 || len(branches(t, e.r)) != len(bs) {
		t.Fatal("a fix the policy refuses pushed a branch or opened a PR")
	}
}
