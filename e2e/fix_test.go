package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// fixDeployYAML is a hand-written manifest with comments, quoting and odd spacing that an
// edit must keep.
func fixDeployYAML(ns string) string {
	return `# The web front end.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ` + ns + `
  labels: {app: web}   # flow style stays
spec:
  replicas: 2 # enough for now
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "nginx:1.25"   # pinned
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            limits:
              memory: 128Mi
        - name: sidecar
          image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ` + ns + `
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
`
}

// fixEnv is a bot, a repo whose folder apps/web/k8s is registered as deployment dep, and an
// issue to talk in.
type fixEnv struct {
	b   *bot
	r   repo
	c   *conversation
	ns  string
	dep string
}

func newFixEnv(t *testing.T, files func(ns string) map[string]string, folder string, tune ...func(*config.Settings)) *fixEnv {
	t.Helper()
	ns := unique("fix-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	b := startBotWith(t, func(s *config.Settings) {
		for _, f := range tune {
			f(s)
		}
	})
	r := newRepo(t, files(ns))
	c := b.issue(r)
	dep := unique("web")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment %s --name %s", folder, dep)), "Registered deployment")
	return &fixEnv{b: b, r: r, c: c, ns: ns, dep: dep}
}

func plainFiles(ns string) map[string]string {
	return map[string]string{"apps/web/k8s/deploy.yaml": fixDeployYAML(ns)}
}

// fixCreateDeployment creates Deployment name in ns as if applied earlier, linked to dep
// (folder path) unless dep is "". Its containers are web and sidecar, as in fixDeployYAML.
func fixCreateDeployment(t *testing.T, ns, name, dep, path string) *appsv1.Deployment {
	t.Helper()
	ann := map[string]string{}
	if dep != "" {
		ann[annRepo], ann[annPath] = dep, path
	}
	replicas := int32(2)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann, Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "web", Image: "nginx:1.25", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}},
					{Name: "sidecar", Image: "busybox:1.36"},
				}},
			},
		},
	}
	d, err := kc.Typed.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// branchFile reads a file of a branch on the git server, byte for byte.
func branchFile(t *testing.T, r repo, branch, path string) string {
	t.Helper()
	out, err := exec.Command("git", "--git-dir", git.RepoDir(r.full), "show", "refs/heads/"+branch+":"+path).Output()
	if err != nil {
		t.Fatalf("git show %s:%s: %v", branch, path, err)
	}
	return string(out)
}

// branches lists the branches of a repo on the git server.
func branches(t *testing.T, r repo) []string {
	t.Helper()
	out, err := exec.Command("git", "--git-dir", git.RepoDir(r.full), "for-each-ref", "--format=%(refname:short)", "refs/heads/").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))
}

// fixPulls are the pull requests the bot opened in r.
func fixPulls(r repo) []testenv.PullRequest {
	var out []testenv.PullRequest
	for _, p := range gh.Pulls(r.full) {
		if p.User == gh.BotLogin() {
			out = append(out, p)
		}
	}
	return out
}

// onePull checks the bot opened exactly one PR in r, against main, from a rigel/fix- branch.
func onePull(t *testing.T, r repo) testenv.PullRequest {
	t.Helper()
	ps := fixPulls(r)
	if len(ps) != 1 {
		t.Fatalf("pull requests opened = %+v, want 1", ps)
	}
	p := ps[0]
	if !regexp.MustCompile(`^rigel/fix-web-[0-9a-f]{7}$`).MatchString(p.Head) || p.Base != "main" || p.State != "open" {
		t.Fatalf("pull request = %+v", p)
	}
	return p
}

// noPullViolations fails when a request to GitHub's pulls API would have been rejected.
func noPullViolations(t *testing.T) {
	t.Helper()
	for _, v := range gh.Violations() {
		if strings.Contains(v, "/pulls") || strings.Contains(v, "/git/") {
			t.Errorf("GitHub would reject: %s", v)
		}
	}
}

func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("test bug: %q is not in the file", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestFixSetOnPlainFolder(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	before := fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	c := e.c
	cmd := fmt.Sprintf("/rigel fix deploy/web -n %s set image=nginx:1.27 env.LOG_LEVEL=debug --container web", e.ns)

	got := c.reply(cmd)
	mustContain(t, got, "🔧 Opened [#", "Deployment `web` in namespace `"+e.ns+"`", "`image=nginx:1.27 (container web)`", "Nothing was applied to the cluster",
		"<details>", "```diff", `-          image: "nginx:1.25"   # pinned`, `+          image: "nginx:1.27"   # pinned`,
		"**Next:** review and merge #", "`/rigel sync "+e.dep+"`")
	if first := strings.SplitN(got, "\n", 2)[0]; strings.Contains(first, "```") || len(first) > 300 {
		t.Errorf("the first line is not a one-line summary: %q", first)
	}
	p := onePull(t, e.r)
	mustContain(t, got, fmt.Sprintf("#%d", p.Number), fmt.Sprintf("/pull/%d", p.Number))
	mustContain(t, p.Body, "## Requested", "by @octocat", "```diff", "--- a/apps/web/k8s/deploy.yaml", fmt.Sprintf("Closes #%d", c.number))
	if !strings.Contains(p.Title, "image=nginx:1.27") || !strings.Contains(p.Title, "env.LOG_LEVEL=debug") {
		t.Errorf("title %q", p.Title)
	}

	// The branch holds exactly the edit: two lines, the rest of the file byte for byte.
	want := replace(t, fixDeployYAML(e.ns), `image: "nginx:1.25"   # pinned`, `image: "nginx:1.27"   # pinned`)
	want = replace(t, want, "value: info", "value: debug")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
	mainSHA, _ := git.Head(e.r.full, "main")
	parent, err := exec.Command("git", "--git-dir", git.RepoDir(e.r.full), "log", "-1", "--format=%P|%an|%cn|%s", "refs/heads/"+p.Head).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(parent)); !strings.HasPrefix(got, mainSHA+"|rigel[bot]|rigel[bot]|Fix deployment web in "+e.ns+": ") {
		t.Errorf("commit = %q: want one commit on main %s by rigel[bot]", got, mainSHA)
	}

	// Nothing was applied: the cluster's Deployment is as it was.
	after, err := kc.Typed.AppsV1().Deployments(e.ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Generation != before.Generation || after.Spec.Template.Spec.Containers[0].Image != "nginx:1.25" {
		t.Errorf("fix changed the cluster: generation %d → %d, image %s", before.Generation, after.Generation, after.Spec.Template.Spec.Containers[0].Image)
	}

	t.Run("the same fix again answers with the open PR", func(t *testing.T) {
		again := c.reply(cmd)
		mustContain(t, again, "already proposed", fmt.Sprintf("[#%d]", p.Number), p.Head, "```diff")
		if ps := fixPulls(e.r); len(ps) != 1 {
			t.Fatalf("a second PR was opened: %+v", ps)
		}
	})
	t.Run("a closed PR's branch is reused for a new PR", func(t *testing.T) {
		gh.SetPullState(e.r.full, p.Number, "closed", false)
		again := c.reply(cmd)
		mustContain(t, again, "🔧 Opened [#")
		ps := fixPulls(e.r)
		if len(ps) != 2 || ps[1].Head != p.Head || ps[1].State != "open" {
			t.Fatalf("pulls = %+v, want a new one from %s", ps, p.Head)
		}
		if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
			t.Errorf("reused branch holds:\n%s", file)
		}
		gh.SetPullState(e.r.full, ps[1].Number, "closed", false)
	})
	t.Run("several containers need --container", func(t *testing.T) {
		mustContain(t, c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set memory=256Mi", e.ns)), "❌", "--container")
	})
	t.Run("an edit that changes nothing opens no PR", func(t *testing.T) {
		n := len(fixPulls(e.r))
		bs := branches(t, e.r)
		mustContain(t, c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=2", e.ns)), "changes nothing", "no pull request was opened")
		if len(fixPulls(e.r)) != n || len(branches(t, e.r)) != len(bs) {
			t.Error("a no-op fix opened a PR or pushed a branch")
		}
	})
	t.Run("a bad value is refused", func(t *testing.T) {
		mustContain(t, c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set memory=lots --container web", e.ns)), "❌", "not a quantity")
	})
	noPullViolations(t)
}

// TestFixInAPullRequest: a fix asked for in a PR conversation closes nothing.
func TestFixInAPullRequest(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	head, _ := git.Head(e.r.full, "main")
	pr := e.b.pull(e.r, head)
	mustContain(t, pr.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns)), "🔧 Opened")
	p := onePull(t, e.r)
	mustContain(t, p.Body, fmt.Sprintf("Asked for in #%d", pr.number))
	mustNotContain(t, p.Body, "Closes #")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != replace(t, fixDeployYAML(e.ns), "replicas: 2 # enough for now", "replicas: 3 # enough for now") {
		t.Errorf("edited file:\n%s", file)
	}
}

func TestFixUnlinkedWorkload(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", "", "")
	cmd := fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns)
	got := e.c.reply(cmd)
	mustContain(t, got, "❌", "is not linked to a deployment", fmt.Sprintf("`/rigel link deployment/web -n %s %s`", e.ns, e.dep), "run `"+cmd+"` again", "folder `apps/web/k8s`")
	if len(fixPulls(e.r)) != 0 {
		t.Fatal("a PR was opened for an unlinked workload")
	}
	// Typing what the reply says makes the fix work.
	mustContain(t, e.c.reply(fmt.Sprintf("/rigel link deployment/web -n %s %s", e.ns, e.dep)), "Linked")
	mustContain(t, e.c.reply(cmd), "🔧 Opened")
	onePull(t, e.r)

	t.Run("no such workload", func(t *testing.T) {
		mustContain(t, e.c.reply(fmt.Sprintf("/rigel fix deploy/nope -n %s", e.ns)), "❌", "there is no Deployment `nope`")
	})
	t.Run("not a workload", func(t *testing.T) {
		mustContain(t, e.c.reply("/rigel fix web"), "❌", "is not KIND/NAME")
	})
}

// TestFixOtherRepo: a workload of a deployment of another repo gets its PR only from there.
func TestFixOtherRepo(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	other := newRepo(t, map[string]string{"README.md": "other\n"})
	c := e.b.issue(other)
	got := c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns))
	mustContain(t, got, "❌", "belongs to the deployment `"+e.dep+"` of "+e.r.full, "Run `/rigel fix deploy/web -n "+e.ns+" set replicas=3` in an issue of "+e.r.full)
	if len(fixPulls(e.r)) != 0 || len(fixPulls(other)) != 0 {
		t.Fatal("a PR was opened")
	}
}

func TestFixReaderRefused(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	reader := unique("reader")
	gh.SetPermission(e.r.full, reader, "read")
	bs := branches(t, e.r)
	mustContain(t, e.c.replyAs(reader, fmt.Sprintf("/rigel fix deploy/web -n %s set replicas=3", e.ns)), "❌", "`/rigel fix` needs `write` or higher", "Nothing was done")
	if len(fixPulls(e.r)) != 0 || len(branches(t, e.r)) != len(bs) {
		t.Fatal("a reader's fix pushed a branch or opened a PR")
	}
}

// TestFixIssueOpenedWithTheCommand: an issue whose body is a fix command gets the PR, which
// closes it.
func TestFixIssueOpenedWithTheCommand(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "web", e.dep, "apps/web/k8s")
	c := e.b.issue(e.r)
	owner, name, _ := strings.Cut(e.r.full, "/")
	p := testenv.Payload("issues", "opened-1")
	repoObj := p["repository"].(map[string]any)
	repoObj["full_name"], repoObj["name"], repoObj["clone_url"], repoObj["default_branch"] = e.r.full, name, git.CloneURL(e.r.full), "main"
	repoObj["owner"].(map[string]any)["login"] = owner
	p["issue"].(map[string]any)["number"] = c.number
	p["issue"].(map[string]any)["body"] = fmt.Sprintf("web runs with too few replicas.\n\n/rigel fix deployment/web -n %s set replicas=4\n", e.ns)
	p["installation"] = map[string]any{"id": gh.InstallationID}
	resp, err := testenv.PostWebhook(e.b.url+app.HookPath, webhookSecret, "issues", mustJSON(t, p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.waitReplies(1)
	mustContain(t, c.botComments()[0].Body, "🔧 Opened")
	pull := onePull(t, e.r)
	mustContain(t, pull.Body, fmt.Sprintf("Closes #%d", c.number))
	if file := branchFile(t, e.r, pull.Head, "apps/web/k8s/deploy.yaml"); file != replace(t, fixDeployYAML(e.ns), "replicas: 2 # enough for now", "replicas: 4 # enough for now") {
		t.Errorf("edited file:\n%s", file)
	}
}

// kustomizeFiles: an overlay whose patch sets the memory limit of a base's Deployment.
func kustomizeFiles(ns string) map[string]string {
	return map[string]string{
		"base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
		"base/deploy.yaml":        fixDeployYAML(ns),
		"overlays/prod/kustomization.yaml": `# prod
resources:
  - ../../base
images:
  - name: busybox
    newTag: "1.37"
patches:
  - path: memory.yaml
`,
		"overlays/prod/memory.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ` + ns + `
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            limits:
              memory: 192Mi # prod needs more
`,
	}
}

func TestFixKustomizePatch(t *testing.T) {
	e := newFixEnv(t, kustomizeFiles, "overlays/prod")
	fixCreateDeployment(t, e.ns, "web", e.dep, "overlays/prod")
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set memory=384Mi --container web", e.ns))
	mustContain(t, got, "🔧 Opened", "overlays/prod/memory.yaml")
	p := onePull(t, e.r)
	files := kustomizeFiles(e.ns)
	// The patch that sets the limit is edited; the base is left alone.
	if file := branchFile(t, e.r, p.Head, "overlays/prod/memory.yaml"); file != replace(t, files["overlays/prod/memory.yaml"], "memory: 192Mi # prod needs more", "memory: 384Mi # prod needs more") {
		t.Errorf("patch:\n%s", file)
	}
	if file := branchFile(t, e.r, p.Head, "base/deploy.yaml"); file != files["base/deploy.yaml"] {
		t.Errorf("the base changed:\n%s", file)
	}
	t.Run("an image set by images: is edited there", func(t *testing.T) {
		got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s set image=busybox:1.38 --container sidecar", e.ns))
		mustContain(t, got, "🔧 Opened", "overlays/prod/kustomization.yaml")
		ps := fixPulls(e.r)
		if len(ps) != 2 {
			t.Fatalf("pulls = %+v", ps)
		}
		if file := branchFile(t, e.r, ps[1].Head, "overlays/prod/kustomization.yaml"); file != replace(t, files["overlays/prod/kustomization.yaml"], `newTag: "1.37"`, `newTag: "1.38"`) {
			t.Errorf("kustomization:\n%s", file)
		}
	})
	noPullViolations(t)
}

// TestFixCannotPlace: a workload linked to a folder that does not define it gets a reply
// saying why, and nothing is pushed.
func TestFixCannotPlace(t *testing.T) {
	e := newFixEnv(t, plainFiles, "apps/web/k8s")
	fixCreateDeployment(t, e.ns, "api", e.dep, "apps/web/k8s")
	bs := branches(t, e.r)
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/api -n %s set replicas=3", e.ns))
	mustContain(t, got, "❌", "Rigel cannot place `replicas=3`", "`apps/web/k8s`", "Nothing was changed")
	if len(fixPulls(e.r)) != 0 || len(branches(t, e.r)) != len(bs) {
		t.Fatal("a fix that cannot be placed pushed a branch or opened a PR")
	}
}

// waitFor polls cond for up to 30s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// diagDeployYAML is a one-container Deployment with a memory limit and a liveness probe.
func diagDeployYAML(ns, image, probePort string) string {
	return webYAML(ns, `        - name: web
          image: `+image+` # the app
          ports:
            - name: http
              containerPort: 8080
          livenessProbe:
            httpGet:
              path: /healthz
              port: `+probePort+` # must match a declared port
          resources:
            limits:
              memory: 128Mi # measured in March
`)
}

// diagContainer is the container of diagDeployYAML as the cluster has it.
func diagContainer(image string, probePort int) corev1.Container {
	return corev1.Container{
		Name: "web", Image: image, Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(int32(probePort))}}},
		Resources:     corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}},
	}
}

// diagEnv registers a folder holding diagDeployYAML and creates the linked Deployment with
// that container.
func diagEnv(t *testing.T, image, probePort string, c corev1.Container, tune ...func(*config.Settings)) (*fixEnv, *appsv1.Deployment) {
	t.Helper()
	e := newFixEnv(t, func(ns string) map[string]string {
		return map[string]string{"apps/web/k8s/deploy.yaml": diagDeployYAML(ns, image, probePort)}
	}, "apps/web/k8s", tune...)
	replicas := int32(2)
	labels := map[string]string{"app": "web"}
	d, err := kc.Typed.AppsV1().Deployments(e.ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: e.ns, Annotations: map[string]string{annRepo: e.dep, annPath: "apps/web/k8s"}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e, d
}

// runPods creates n pods of the Deployment with container c and writes the status a kubelet
// would report for each.
func runPods(t *testing.T, ns, prefix string, c corev1.Container, n int, status func(i int) corev1.ContainerStatus) []*corev1.Pod {
	t.Helper()
	ctx := context.Background()
	var out []*corev1.Pod
	for i := 0; i < n; i++ {
		p, err := kc.Typed.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i), Namespace: ns, Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{c}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p, err = testenv.WritePodStatus(ctx, kc.Typed, p, status(i)); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// proposed finds "FIELD=VALUE" in a reply, e.g. the memory Rigel proposes.
func proposed(t *testing.T, reply, field string) string {
	t.Helper()
	m := regexp.MustCompile("`" + regexp.QuoteMeta(field) + `=([^ ` + "`" + `]+)`).FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("the reply proposes no %s:\n%s", field, reply)
	}
	return m[1]
}

func TestFixDiagnosesOOMKilled(t *testing.T) {
	c := diagContainer("nginx:1.25", 8080)
	e, _ := diagEnv(t, "nginx:1.25", "8080", c)
	runPods(t, e.ns, "web-oom", c, 2, func(int) corev1.ContainerStatus { return testenv.ContainerOOMKilled("web", "nginx:1.25", 3) })

	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔧 Opened [#", "**What Rigel saw:**", "OOMKilled", "**Rule:**", "```diff", "-              memory: 128Mi # measured in March")
	mem := proposed(t, got, "memory")
	if q, err := resource.ParseQuantity(mem); err != nil || q.Cmp(resource.MustParse("128Mi")) <= 0 {
		t.Fatalf("proposed memory %q is not above the 128Mi limit", mem)
	}
	p := onePull(t, e.r)
	mustContain(t, p.Body, "## Diagnosis", "OOMKilled", "**Rule:**", "```diff", fmt.Sprintf("Closes #%d", e.c.number))
	want := replace(t, diagDeployYAML(e.ns, "nginx:1.25", "8080"), "memory: 128Mi # measured in March", "memory: "+mem+" # measured in March")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
	// Diagnosing again proposes the same change: the open PR is the answer.
	mustContain(t, e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns)), "already proposed", fmt.Sprintf("#%d", p.Number))
	if len(fixPulls(e.r)) != 1 {
		t.Fatal("a second PR was opened for the same diagnosis")
	}
	noPullViolations(t)
}

// imagePullRevisions makes the Deployment controller's ReplicaSets of d: revision 1 ran the good
// image (2 ready), revision 2 (now) runs bad and cannot start.
func imagePullRevisions(t *testing.T, ctx context.Context, ns string, d *appsv1.Deployment, good, bad string) {
	t.Helper()
	for i, rev := range []struct {
		image string
		ready int32
	}{{good, 2}, {bad, 0}} {
		rc := diagContainer(rev.image, 8080)
		n := rev.ready
		rs, err := kc.Typed.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-rev%d", i+1), Namespace: ns, Labels: map[string]string{"app": "web"},
				Annotations:     map[string]string{"deployment.kubernetes.io/revision": fmt.Sprint(i + 1)},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr(true)}}},
			Spec: appsv1.ReplicaSetSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: corev1.PodSpec{Containers: []corev1.Container{rc}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rs.Status = appsv1.ReplicaSetStatus{Replicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: rs.Generation}
		if _, err := kc.Typed.AppsV1().ReplicaSets(ns).UpdateStatus(ctx, rs, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFixDiagnosesImagePull: a rollout to an image that cannot be pulled is answered with a PR
// back to the image that ran before.
func TestFixDiagnosesImagePull(t *testing.T) {
	const good, bad = "nginx:1.25", "nginx:1.255"
	c := diagContainer(bad, 8080)
	e, d := diagEnv(t, bad, "8080", c)
	ctx := context.Background()
	// The Deployment controller's ReplicaSets: revision 1 ran the good image, revision 2 (now)
	// cannot start.
	imagePullRevisions(t, ctx, e.ns, d, good, bad)
	runPods(t, e.ns, "web-old", diagContainer(good, 8080), 2, func(int) corev1.ContainerStatus { return testenv.ContainerRunning("web", good) })
	pods := runPods(t, e.ns, "web-new", c, 1, func(int) corev1.ContainerStatus {
		return testenv.ContainerWaiting("web", bad, "ImagePullBackOff", `Back-off pulling image "`+bad+`"`)
	})
	if err := testenv.KubeletEvent(ctx, kc.Typed, pods[0], "web", corev1.EventTypeWarning, "Failed",
		`Failed to pull image "`+bad+`": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/`+bad+`": not found`, 5); err != nil {
		t.Fatal(err)
	}

	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔧 Opened [#", bad, "`image="+good, "```diff")
	p := onePull(t, e.r)
	mustContain(t, p.Body, "## Diagnosis", bad, "**Rule:**")
	want := replace(t, diagDeployYAML(e.ns, bad, "8080"), "image: "+bad+" # the app", "image: "+good+" # the app")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
}

// TestFixDiagnosesProbePort: a liveness probe on a port the container does not declare.
func TestFixDiagnosesProbePort(t *testing.T) {
	c := diagContainer("nginx:1.25", 9090)
	e, _ := diagEnv(t, "nginx:1.25", "9090", c)
	pods := runPods(t, e.ns, "web-probe", c, 2, func(int) corev1.ContainerStatus {
		s := testenv.ContainerRunning("web", "nginx:1.25")
		s.Ready, s.RestartCount = false, 6
		return s
	})
	for _, p := range pods {
		if err := testenv.KubeletEvent(context.Background(), kc.Typed, p, "web", corev1.EventTypeWarning, "Unhealthy",
			`Liveness probe failed: Get "http://10.1.0.7:9090/healthz": dial tcp 10.1.0.7:9090: connect: connection refused`, 12); err != nil {
			t.Fatal(err)
		}
	}
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔧 Opened [#", "9090", "**Rule:**")
	port := proposed(t, got, "probe.liveness.port")
	if port != "8080" && port != "http" {
		t.Fatalf("proposed probe port %q, want the declared port 8080 (http)", port)
	}
	p := onePull(t, e.r)
	want := replace(t, diagDeployYAML(e.ns, "nginx:1.25", "9090"), "port: 9090 # must match", "port: "+port+" # must match")
	if file := branchFile(t, e.r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
		t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
	}
}

// TestFixNothingRecognised: healthy pods get a reply with what was seen and no PR.
func TestFixNothingRecognised(t *testing.T) {
	c := diagContainer("nginx:1.25", 8080)
	e, _ := diagEnv(t, "nginx:1.25", "8080", c)
	runPods(t, e.ns, "web-ok", c, 2, func(int) corev1.ContainerStatus { return testenv.ContainerRunning("web", "nginx:1.25") })
	bs := branches(t, e.r)
	got := e.c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", e.ns))
	mustContain(t, got, "🔍 Rigel found nothing it has a fix for on Deployment `web`", "**What Rigel saw:**", "Nothing was changed",
		fmt.Sprintf("`/rigel fix deployment/web -n %s set memory=512Mi`", e.ns))
	mustNotContain(t, got, "❌", "Opened")
	if len(fixPulls(e.r)) != 0 || len(branches(t, e.r)) != len(bs) {
		t.Fatal("nothing recognised, yet a branch or PR was made")
	}
}

func ptr[T any](v T) *T { return &v }
