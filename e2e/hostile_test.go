package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rigel-gitops/rigel/app"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Hostile and broken input: each gets a clear reply or a 4xx, changes nothing and leaks
// nothing. Every test here runs a bot whose logs are kept, and checks at the end that no log
// line and no comment holds a credential (leakCheck).

// hostileSecret is a Secret value the manifests carry: it must never be printed.
const hostileSecret = "hostile-secret-value-4242"

// hostileBot is a bot with its logs kept; at the end of the test its logs and every comment
// of the conversations it was given are checked for credentials.
type hostileBot struct {
	*bot
	logs  *lockedBuffer
	convs []*conversation
}

func startHostileBot(t *testing.T) *hostileBot {
	t.Helper()
	logs := &lockedBuffer{}
	b, _ := startBotLogging(t, logs, nil)
	hb := &hostileBot{bot: b, logs: logs}
	t.Cleanup(func() { hb.leakCheck(t) })
	return hb
}

func (hb *hostileBot) issue(r repo) *conversation {
	c := hb.bot.issue(r)
	hb.convs = append(hb.convs, c)
	return c
}

var installationToken = regexp.MustCompile(`ghs_[0-9a-f]{36}`)

// leakCheck fails the test when a credential, or the Secret value of the manifests (plain or
// base64), is in the bot's logs or in a comment.
func (hb *hostileBot) leakCheck(t *testing.T) {
	pem := strings.Split(strings.TrimSpace(string(gh.PrivateKeyPEM)), "\n")
	secrets := map[string]string{
		"the webhook secret":                 webhookSecret,
		"the app private key (a line of it)": pem[1],
		"the app private key (last line)":    pem[len(pem)-2],
		"a Secret value of the manifests":    hostileSecret,
		"a Secret value, base64":             base64.StdEncoding.EncodeToString([]byte(hostileSecret)),
	}
	texts := map[string]string{"the bot's logs": string(hb.logs.Bytes())}
	for _, c := range hb.convs {
		for _, cm := range gh.Comments(c.r.full, c.number) {
			if cm.User == hb.app.BotLogin {
				texts[fmt.Sprintf("reply %d in %s#%d", cm.ID, c.r.full, c.number)] = cm.Body
			}
		}
	}
	if len(texts["the bot's logs"]) == 0 {
		t.Error("the bot logged nothing: the leak check would prove nothing")
	}
	for where, text := range texts {
		for what, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds %s", where, what)
			}
		}
		if tok := installationToken.FindString(text); tok != "" {
			t.Errorf("%s holds an installation token", where)
		}
		if strings.Contains(text, "PRIVATE KEY-----") {
			t.Errorf("%s holds a PEM private key", where)
		}
	}
}

// markdownSafe fails when a reply could break its markdown: an odd number of backticks on a
// line outside code fences (an unclosed code span), or an invisible or bidi character.
func markdownSafe(t *testing.T, reply string) {
	t.Helper()
	inFence := false
	for _, l := range strings.Split(reply, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if !inFence && strings.Count(l, "`")%2 != 0 {
			t.Errorf("unbalanced backticks in %q of the reply:\n%s", l, reply)
		}
	}
	for _, r := range []string{"\u202e", "\u202d", "\u200b", "\u2066", "\u2067", "\ufeff"} {
		if strings.Contains(reply, r) {
			t.Errorf("the reply carries the invisible character %U:\n%s", []rune(r)[0], reply)
		}
	}
}

// postRaw delivers body to the bot's hook with the given headers and returns the status.
func postRaw(t *testing.T, b *bot, header map[string]string, body io.Reader, length int64) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url+app.HookPath, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(got)
}

func TestHostileWebhooks(t *testing.T) {
	hb := startHostileBot(t)
	r := newRepo(t, webFiles(unique("hook"), 1, hostileSecret))
	c := hb.issue(r)
	opts := testenv.CommentOpts{Repo: r.full, CloneURL: git.CloneURL(r.full), Issue: c.number, Body: "/rigel add-deployment apps/web/k8s", User: "octocat", UserType: "User", InstallationID: gh.InstallationID}
	payload := testenv.IssueComment(opts)
	opts.Body = "/rigel add-deployment apps/web/k8s\n" + strings.Repeat("x", app.MaxWebhookBytes)
	huge := testenv.IssueComment(opts)
	headers := func(event, sig string) map[string]string {
		return map[string]string{"X-GitHub-Event": event, "X-GitHub-Delivery": unique("hostile-"), "Content-Type": "application/json", "X-Hub-Signature-256": sig}
	}
	malformed := []byte(`{"action":"created","comment":{"body":"/rigel add-deployment apps/web/k8s"`)
	wrongShape := []byte(`{"action":"created","comment":"/rigel add-deployment apps/web/k8s","issue":7}`)
	tests := []struct {
		name    string
		header  map[string]string
		body    []byte
		chunked bool
		want    int
		text    string
	}{
		{"unsigned", headers("issue_comment", ""), payload, false, 400, "Invalid"},
		{"signed with another secret", headers("issue_comment", testenv.Sign("not-the-secret", payload)), payload, false, 400, "Invalid"},
		{"a valid signature over another body", headers("issue_comment", testenv.Sign(webhookSecret, []byte(`{"zen":"hi"}`))), payload, false, 400, "Invalid"},
		{"a sha1 signature only", map[string]string{"X-GitHub-Event": "issue_comment", "Content-Type": "application/json", "X-Hub-Signature": "sha1=0000000000000000000000000000000000000000"}, payload, false, 400, "Invalid"},
		{"larger than 25 MB", headers("issue_comment", testenv.Sign(webhookSecret, huge)), huge, false, 413, "larger than 25 MB"},
		{"larger than 25 MB, chunked", headers("issue_comment", testenv.Sign(webhookSecret, huge)), huge, true, 413, "larger than 25 MB"},
		{"larger than 25 MB, unsigned", headers("issue_comment", ""), huge, false, 413, "larger than 25 MB"},
		{"malformed JSON", headers("issue_comment", testenv.Sign(webhookSecret, malformed)), malformed, false, 400, "Malformed JSON"},
		{"JSON that is not the event", headers("issue_comment", testenv.Sign(webhookSecret, wrongShape)), wrongShape, false, 400, "does not match"},
		{"empty body", headers("issue_comment", testenv.Sign(webhookSecret, nil)), nil, false, 400, "Malformed JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(tc.body)
			length := int64(len(tc.body))
			if tc.chunked {
				body, length = io.MultiReader(bytes.NewReader(tc.body)), -1
			}
			code, text := postRaw(t, hb.bot, tc.header, body, length)
			if code != tc.want || !strings.Contains(text, tc.text) {
				t.Fatalf("answered %d %q, want %d with %q", code, text, tc.want, tc.text)
			}
			if strings.Contains(text, "add-deployment") || strings.Contains(text, "xxxx") {
				t.Errorf("the answer quotes the body: %q", text)
			}
		})
	}
	// None of them ran: the next real command is the first reply, and nothing was registered.
	mustContain(t, c.reply("/rigel list"), "has no deployments yet")
	if n := len(c.botComments()); n != 1 {
		t.Fatalf("%d replies, want 1: a refused delivery ran", n)
	}
	if src := hb.registry(); len(src.Repos) != 0 {
		t.Fatalf("a refused delivery changed the registry: %+v", src.Repos)
	}
}

func TestHostileCommands(t *testing.T) {
	hb := startHostileBot(t)
	r := newRepo(t, webFiles(unique("cmds"), 1, hostileSecret))
	c := hb.issue(r)
	name := unique("hweb")
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	pwned := "/tmp/rigel-pwned-" + name
	tests := []struct {
		name, say string
		want      []string
	}{
		{"a shell command after ;", "/rigel diff " + name + "; rm -rf /", []string{"no deployment named `" + name + ";`"}},
		{"command substitution", "/rigel diff $(touch " + pwned + ")", []string{"no deployment named `$(touch`"}},
		{"backticks", "/rigel diff `touch " + pwned + "`", []string{"no deployment named `'touch`"}},
		{"backticks in a flag value", "/rigel add-deployment apps/web/k8s --name 'x`y'", []string{"`x'y` cannot be a deployment name"}},
		{"backticks in the verb", "/rigel di`ff " + name, []string{"`di'ff` is not a Rigel command"}},
		{"backticks in a path", "/rigel add-deployment apps/`id`", []string{"`apps/'id'` has the character"}},
		{"a pipe and a redirect", "/rigel sync " + name + " | cat > /etc/passwd", []string{"no deployment named `|`"}},
		{"HTML", "/rigel diff <img src=x onerror=alert(1)>", []string{"no deployment named `<img`"}},
		{"a markdown link", "/rigel diff [x](https://evil.example)", []string{"no deployment named `[x](https://evil.example)`"}},
		{"a path with ..", "/rigel add-deployment apps/web/k8s/../../../..", []string{"leaves the repository"}},
		{"an absolute path", "/rigel add-deployment /etc", []string{"`/etc` is an absolute path"}},
		{"a Windows path", "/rigel add-deployment C:\\Windows", []string{"absolute path"}},
		{"Cyrillic і in the verb", "/rigel dіff " + name, []string{"`dіff` is not a Rigel command", "Did you mean `diff`?"}},
		{"a zero-width space after the verb", "/rigel diff\u200b " + name, []string{"`diff<U+200B>` is not a Rigel command"}},
		{"a right-to-left override in the name", "/rigel diff \u202e" + name, []string{"no deployment named `<U+202E>" + name + "`"}},
		{"a byte order mark in the name", "/rigel diff \ufeff" + name, []string{"no deployment named `<U+FEFF>" + name + "`"}},
		{"a very long line", "/rigel diff " + strings.Repeat("a", 2000), []string{"longer than 1000 characters"}},
		{"an unclosed quote", "/rigel diff '" + name, []string{"is not closed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.reply(tc.say)
			mustContain(t, got, append([]string{"❌"}, tc.want...)...)
			mustNotContain(t, got, "to create", "Rigel diff of") // nothing was diffed
			markdownSafe(t, got)
		})
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("a command ran in a shell")
	}
	if src := hb.registry(); len(src.Repos) != 1 || len(src.Repos[0].Deployments) != 1 {
		t.Fatalf("hostile commands changed the registry: %+v", src.Repos)
	}

	t.Run("look-alikes, edits, deletions and bots are ignored", func(t *testing.T) {
		o := hb.issue(r)
		for _, body := range []string{
			"／ｒｉｇｅｌ diff " + name, // fullwidth solidus and letters
			"/ｒigel diff " + name,
			"/rіgel diff " + name, // Cyrillic і
			"/rigel\u200bdiff " + name,
			"\u202e/rigel diff " + name,
			"`/rigel diff " + name + "`",
			"> /rigel apply " + name,
		} {
			o.post(body)
		}
		o.post("/rigel diff "+name, func(p *commentOpts) { p.Action = "edited" })
		o.post("/rigel diff "+name, func(p *commentOpts) { p.Action = "deleted" })
		o.post("/rigel diff "+name, func(p *commentOpts) { p.User, p.UserType = hb.app.BotLogin, "Bot" })
		o.post("/rigel diff "+name, func(p *commentOpts) { p.User, p.UserType = "evil[bot]", "Bot" })
		mustContain(t, o.reply("/rigel list"), name) // answered after the ignored ones were processed
		if got := o.botComments(); len(got) != 1 {
			t.Fatalf("got %d replies, want only the one to /rigel list: %+v", len(got), got)
		}
	})

	t.Run("an unregistered repo", func(t *testing.T) {
		other := newRepo(t, webFiles(unique("unreg"), 1, hostileSecret))
		u := hb.issue(other)
		for _, say := range []string{"/rigel diff", "/rigel sync", "/rigel apply", "/rigel policy"} {
			mustContain(t, u.reply(say), "❌", other.full+" has no deployments yet", "/rigel add-deployment PATH")
		}
		mustContain(t, u.reply("/rigel diff "+name), "❌", "belongs to "+r.full)
		mustContain(t, u.reply("/rigel apply "+name), "❌", "belongs to "+r.full)
		mustContain(t, u.reply("/rigel remove-deployment "+name), "❌", "belongs to "+r.full)
		mustContain(t, u.reply("/rigel list"), "has no deployments yet")
		if hb.registry().FindRepo(other.full) != nil {
			t.Fatal("commands in an unregistered repo registered it")
		}
	})

	t.Run("a repo the app is not installed on", func(t *testing.T) {
		// GitHub answers 404 to everything Rigel asks about it: Rigel logs it and goes on.
		ghost := unique("nobody/ghost")
		payload := testenv.IssueComment(testenv.CommentOpts{Repo: ghost, CloneURL: git.CloneURL(r.full), Issue: 1, Body: "/rigel add-deployment apps/web/k8s", InstallationID: gh.InstallationID})
		resp, err := testenv.PostWebhook(hb.url+app.HookPath, webhookSecret, "issue_comment", payload)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("the hook answered %d", resp.StatusCode)
		}
		mustContain(t, c.reply("/rigel list"), name)
		if src := hb.registry(); len(src.Repos) != 1 {
			t.Fatalf("an event of an unknown repo changed the registry: %+v", src.Repos)
		}
	})
}

// hostileRepoFiles is a repository whose folders each hold one kind of hostile input.
func hostileRepoFiles(ns string) map[string]string {
	files := webFiles(ns, 1, hostileSecret)
	files["apps/bomb/k8s/bomb.yaml"] = testenv.BillionLaughsYAML
	files["apps/kbomb/k8s/kustomization.yaml"] = "resources: [cm.yaml]\n"
	files["apps/kbomb/k8s/cm.yaml"] = testenv.BillionLaughsYAML
	files["apps/deep/k8s/deep.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: " + strings.Repeat("[", 50000) + strings.Repeat("]", 50000) + "\n"
	var many strings.Builder
	for i := 0; i < 50000; i++ {
		fmt.Fprintf(&many, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: %s\n", i, ns)
	}
	files["apps/many/k8s/many.yaml"] = many.String()
	files["apps/evil/k8s/ok.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
	files["apps/kevil/k8s/kustomization.yaml"] = "resources: [passwd.yaml]\n"
	files["apps/remote/k8s/kustomization.yaml"] = "resources: [https://evil.example/x.yaml]\n"
	files["apps/up/k8s/kustomization.yaml"] = "resources: [../../../../outside]\n"
	return files
}

func TestHostileRepositories(t *testing.T) {
	hb := startHostileBot(t)
	ns := unique("hrepo")
	r := newRepo(t, hostileRepoFiles(ns))
	for _, l := range []struct{ path, target string }{
		{"apps/evil/k8s/passwd.yaml", "/etc/passwd"},
		{"apps/escape", "../../../../../etc"},
		{"apps/kevil/k8s/passwd.yaml", "../../../../../etc/passwd"},
	} {
		if _, err := git.CommitSymlink(r.full, "main", l.path, l.target); err != nil {
			t.Fatal(err)
		}
	}
	c := hb.issue(r)
	tests := []struct {
		name, say string
		want      []string
	}{
		{"a symlink to a file outside the clone", "/rigel add-deployment apps/evil/k8s", []string{"apps/evil/k8s/passwd.yaml", "symlink", "Rigel does not follow symlinks"}},
		{"a symlinked folder", "/rigel add-deployment apps/escape", []string{"apps/escape is a symlink"}},
		{"a symlink a kustomization uses", "/rigel add-deployment apps/kevil/k8s", []string{"apps/kevil/k8s/passwd.yaml", "symlink"}},
		{"a remote kustomize resource", "/rigel add-deployment apps/remote/k8s", []string{"remote resources", "copy it into the repository"}},
		{"a kustomize resource outside the repo", "/rigel add-deployment apps/up/k8s", []string{"is outside the repository"}},
		{"a YAML alias bomb", "/rigel add-deployment apps/bomb/k8s", []string{"apps/bomb/k8s/bomb.yaml", "excessive aliasing"}},
		{"a YAML alias bomb kustomize reads", "/rigel add-deployment apps/kbomb/k8s", []string{"apps/kbomb/k8s/cm.yaml", "excessive aliasing"}},
		{"a very deep document", "/rigel add-deployment apps/deep/k8s", []string{"apps/deep/k8s/deep.yaml", "exceeded max depth"}},
		{"50,000 documents", "/rigel add-deployment apps/many/k8s", []string{"apps/many/k8s/many.yaml holds more than 10000 objects", "split the folder into several deployments"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := c.reply(tc.say)
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("the reply took %v", took)
			}
			mustContain(t, got, append([]string{"❌"}, tc.want...)...)
			mustNotContain(t, got, "root:x:0:0") // /etc/passwd
			markdownSafe(t, got)
		})
	}
	if src := hb.registry(); len(src.Repos) != 0 {
		t.Fatalf("hostile folders were registered: %+v", src.Repos)
	}

	t.Run("a symlink pushed into a registered folder", func(t *testing.T) {
		name := unique("hsym")
		mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
		if _, err := git.CommitSymlink(r.full, "main", "apps/web/k8s/leak.yaml", "../../../../../etc/passwd"); err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"diff", "sync"} {
			got := c.reply("/rigel " + verb + " " + name)
			mustContain(t, got, "❌", "apps/web/k8s/leak.yaml", "symlink")
			mustNotContain(t, got, "root:x:0:0", "rigel:plan")
		}
	})
}

func TestHostileObjects(t *testing.T) {
	hb := startHostileBot(t)
	ns := unique("hobj")
	// The namespace exists: objects in a namespace the plan itself creates cannot be dry-run,
	// so the apiserver would judge them only at apply.
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	files := webFiles(ns, 1, hostileSecret)
	delete(files, "apps/web/k8s/deploy/deployment.yaml")
	files["apps/web/k8s/widget.yaml"] = fmt.Sprintf("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: %s\nspec:\n  size: 3\n", ns)
	files["apps/web/k8s/bad-config.yaml"] = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: %s\ndata:\n  \"bad key!\": x\n", ns)
	files["apps/web/k8s/bad-secret.yaml"] = fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: bad-secret
  namespace: %s
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: "not json %s"
  "bad key!": %s
`, ns, hostileSecret, hostileSecret)
	files["apps/web/k8s/bad-service.yaml"] = fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n  namespace: %s\nspec:\n  ports: [{port: 0}]\n", ns)
	r := newRepo(t, files)
	c := hb.issue(r)
	name := unique("hobjweb")
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")

	got := c.reply("/rigel diff " + name)
	markdownSafe(t, got)
	mustContain(t, got, "4 refused by the cluster",
		"Widget/"+ns+"/w", "no kind Widget in group example.com on the cluster: is its CRD installed?",
		"ConfigMap/"+ns+"/bad", `ConfigMap "bad" is invalid`, "bad key!",
		"Service/"+ns+"/bad", `Service "bad" is invalid`, "spec.ports[0].port",
		"Secret/"+ns+"/bad-secret", "Secret/"+ns+"/web-secret", "Secret values are never shown")
	// The apiserver's message about the Secret is quoted too: it names the bad key, never a value
	// (leakCheck looks for the value, plain and base64, in every reply and log line).
	mustContain(t, got, `Secret "bad-secret" is invalid`, "data[bad key!]")

	got = c.reply("/rigel sync " + name)
	mustContain(t, got, "Nothing is armed while an object is refused")
	mustNotContain(t, got, "rigel:plan")
	mustContain(t, c.reply("/rigel apply "+name), "❌", "nothing was previewed")
	if configMapExists(t, ns, "web-config") {
		t.Fatal("something was applied")
	}
}
