package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
	"github.com/rigel-gitops/rigel/sync"
)

// Issue 9, items 2, 7 and the table cells of 8, tried as an attacker would: a fork's preview,
// a manifest naming objects the deployment does not manage (in kube-system, with secrets in
// them), objects the policy refuses, another deployment's objects, and an apiserver message
// written to break out of the reply's table.

// upBot is a bot whose apiserver requests are recorded and whose debug logs are kept.
type upBot struct {
	*bot
	reqs *testenv.RequestLog
	logs *lockedBuffer
}

func startUntrustedBot(t *testing.T, tune func(*config.Settings)) upBot {
	t.Helper()
	s := botSettings(t, cluster)
	s.APIToken = apiToken
	if tune != nil {
		tune(s)
	}
	reqs, logs := &testenv.RequestLog{}, &lockedBuffer{}
	k := wrappedKube(t, cluster, func(rt http.RoundTripper) http.RoundTripper { reqs.Next = rt; return reqs })
	b := serveBot(t, s, k, zerolog.New(io.MultiWriter(logs, newTestLog(t))).Level(zerolog.DebugLevel))
	return upBot{bot: b, reqs: reqs, logs: logs}
}

// gitRequestsFor counts the git server's requests for a repository.
func gitRequestsFor(full string) int {
	n := 0
	for _, r := range git.Requests() {
		if strings.Contains(r, "/"+full+".git/") {
			n++
		}
	}
	return n
}

// mustShowNoLive fails when a value, or its base64, appears in got.
func mustShowNoLive(t *testing.T, where, got string, values ...string) {
	t.Helper()
	for _, v := range values {
		for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
			if strings.Contains(got, form) {
				t.Errorf("%s holds the live value %q", where, form)
			}
		}
	}
}

func TestUntrustedForkPreview(t *testing.T) {
	forkNS := unique("forkpv")
	files := map[string]string{"apps/web/k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\n  namespace: default\ndata: {a: b}\n"}
	fromFork := map[string]string{"apps/web/k8s/fork.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: %s\ndata: {a: b}\n", forkNS)}
	setup := func(t *testing.T, b upBot) (*conversation, string, string) {
		r := newRepo(t, files)
		name := unique("forkpv")
		mustContain(t, b.issue(r).reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
		head, err := git.Commit(r.full, "feature", fromFork, "from a fork")
		if err != nil {
			t.Fatal(err)
		}
		pr := b.pull(r, head)
		fork := unique("mallory") + "/web"
		gh.SetPullFork(r.full, pr.number, fork)
		return pr, name, fork
	}

	t.Run("closed by default", func(t *testing.T) {
		b := startUntrustedBot(t, nil)
		pr, name, fork := setup(t, b)
		reader, writer := unique("reader"), unique("writer")
		gh.SetPermission(pr.r.full, reader, "read")
		gh.SetPermission(pr.r.full, writer, "write")
		fetched := gitRequestsFor(pr.r.full)
		got := pr.replyAs(reader, "/rigel diff "+name)
		mustContain(t, got, "❌", "comes from the fork `"+fork+"`", "only for people with `write` on "+pr.r.full, "@"+reader+" has the `read` role",
			"Nothing was fetched, rendered or sent to the cluster", "comment `/rigel diff` here", "RIGEL_ALLOW_FORK_PREVIEW=true")
		mustNotContain(t, got, "rigel:plan", "Rigel diff of")
		if n := gitRequestsFor(pr.r.full); n != fetched {
			t.Errorf("the refused preview fetched the repository: %d git requests", n-fetched)
		}
		if got := b.reqs.Matching(forkNS); len(got) > 0 {
			t.Errorf("the refused preview reached the cluster: %q", got)
		}
		// sync needs write anyway; a writer previews the fork, and the preview is real.
		got = pr.replyAs(writer, "/rigel diff "+name)
		mustContain(t, got, "Rigel diff of `"+name+"`", "ConfigMap/"+forkNS+"/probe")
		if len(b.reqs.Matching(forkNS)) == 0 {
			t.Error("the writer's preview sent nothing to the cluster")
		}
	})
	t.Run("opened by RIGEL_ALLOW_FORK_PREVIEW", func(t *testing.T) {
		b := startUntrustedBot(t, func(s *config.Settings) { s.AllowForkPreview = true })
		pr, name, _ := setup(t, b)
		reader := unique("reader")
		gh.SetPermission(pr.r.full, reader, "read")
		mustContain(t, pr.replyAs(reader, "/rigel diff "+name), "Rigel diff of `"+name+"`", "ConfigMap/"+forkNS+"/probe")
	})
}

// A manifest naming existing objects the deployment does not manage (a ConfigMap and a Secret
// in kube-system): the preview says they exist and who manages them, and which fields would be
// taken over, but no live value reaches the reply, the logs or the HTTP API.
func TestUntrustedPreviewShowsNoLiveValues(t *testing.T) {
	ctx := context.Background()
	cmName, secName := unique("cluster-settings"), unique("cluster-creds")
	liveValues := []string{"ks-live-password-8817", "ks-live-region-eu-north", "ks-live-secret-value-5521", "ks-live-key-name"}
	if _, err := kc.Typed.CoreV1().ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: cmName},
		Data: map[string]string{"db-password": liveValues[0], "region": liveValues[1]}}, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Typed.CoreV1().Secrets("kube-system").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secName},
		Data: map[string][]byte{liveValues[3]: []byte(liveValues[2]), "token": []byte(liveValues[2] + "-token")}}, metav1.CreateOptions{FieldManager: "kubectl-create"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kc.Typed.CoreV1().ConfigMaps("kube-system").Delete(ctx, cmName, metav1.DeleteOptions{})
		_ = kc.Typed.CoreV1().Secrets("kube-system").Delete(ctx, secName, metav1.DeleteOptions{})
	})
	// kube-system is named by the admin's default policy: the preview reaches the objects.
	b := startUntrustedBot(t, func(s *config.Settings) { s.DefaultPolicy = config.Policy{Namespaces: []string{"kube-system"}} })
	r := newRepo(t, map[string]string{
		"apps/web/k8s/cm.yaml":     fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: kube-system\ndata:\n  region: from-the-manifest\n", cmName),
		"apps/web/k8s/secret.yaml": fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: kube-system\nstringData:\n  token: manifest-token\n", secName),
	})
	name := unique("peek")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	got := c.reply("/rigel diff " + name)
	mustContain(t, got, "2 existing not managed by this deployment",
		"ConfigMap/kube-system/"+cmName+"</code> from <code>apps/web/k8s/cm.yaml</code> — exists, not managed by this deployment",
		"its fields were set by the field manager `kubectl-client-side-apply`", "Applying takes over 1 field set by the field manager `kubectl-client-side-apply`: `data.region`",
		"its fields were set by the field manager `kubectl-create`", "For a Secret, not even which keys differ is said",
		"Its live values are not shown", "+  region: from-the-manifest")
	mustShowNoLive(t, "the reply", got, liveValues...)
	mustNotContain(t, got, "db-password", "-  region", "Secret keys")

	api := b.api("POST", "/api/git/sync", map[string]any{"repo": r.full, "deployment": name}, http.StatusOK)
	mustShowNoLive(t, "the HTTP API's plan", api.raw, liveValues...)
	mustNotContain(t, api.raw, "db-password")
	mustContain(t, api.raw, `"unmanaged":{`, `"managers":["kubectl-client-side-apply"]`, `"takeOver":["data.region"]`)

	mustContain(t, c.reply("/rigel sync "+name), "rigel:plan") // an unmanaged object may be adopted
	mustShowNoLive(t, "the logs", string(b.logs.Bytes()), liveValues...)
}

// Objects the deployment's policy refuses are neither dry-run nor read: their preview is the
// manifest, and no request for them reaches the apiserver.
func TestUntrustedPolicyRefusedNeverRead(t *testing.T) {
	ctx := context.Background()
	ns, other := unique("pvown"), unique("pvother")
	for _, n := range []string{ns, other} {
		if err := cluster.CreateNamespace(n); err != nil {
			t.Fatal(err)
		}
	}
	const liveValue = "other-namespace-live-value-3141"
	if _, err := kc.Typed.CoreV1().ConfigMaps(other).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "target"},
		Data: map[string]string{"password": liveValue}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := startUntrustedBot(t, func(s *config.Settings) { s.DefaultPolicy = config.Policy{Namespaces: []string{ns}} })
	r := newRepo(t, map[string]string{
		"apps/web/k8s/mine.yaml":  fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n  namespace: %s\ndata: {a: b}\n", ns),
		"apps/web/k8s/other.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: target\n  namespace: %s\ndata:\n  password: from-the-manifest\n", other),
	})
	name := unique("walled")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	for _, verb := range []string{"diff", "sync"} {
		got := c.reply("/rigel " + verb + " " + name)
		mustContain(t, got, "1 to create", "1 against the deployment's policy", "🚫 not sent <code>ConfigMap/"+other+"/target</code>",
			"namespace "+other+" is not allowed", "it was not sent to the cluster (neither dry-run nor read)", "+  password: from-the-manifest")
		mustShowNoLive(t, "the reply", got, liveValue)
		mustNotContain(t, got, "rigel:plan")
	}
	if got := b.reqs.Matching("/namespaces/" + other + "/"); len(got) > 0 {
		t.Errorf("requests reached the refused namespace: %q", got)
	}
	if len(b.reqs.Matching("/namespaces/"+ns+"/configmaps/mine")) == 0 {
		t.Error("the allowed object was not previewed")
	}
	mustShowNoLive(t, "the logs", string(b.logs.Bytes()), liveValue)
}

// Apply never takes an object from another deployment that is still registered; moving it is
// an explicit step (a cluster admin removes its provenance), and an object whose deployment is
// no longer registered is adopted.
func TestUntrustedNoTakeover(t *testing.T) {
	ctx := context.Background()
	ns := unique("takeover")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	cm := func(v string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: %s\ndata: {owner: %s}\n", ns, v)
	}
	r := newRepo(t, map[string]string{"apps/a/k8s/cm.yaml": cm("a"), "apps/b/k8s/cm.yaml": cm("b")})
	b := startBot(t)
	a, bb := unique("first"), unique("second")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/a/k8s --name "+a), "Registered deployment")
	mustContain(t, c.reply("/rigel add-deployment apps/b/k8s --name "+bb), "Registered deployment")
	owner := func() string {
		t.Helper()
		return getConfigMap(t, ns, "shared").Annotations[sync.AnnotationSourceRepo]
	}

	mustContain(t, c.reply("/rigel sync "+bb), "rigel:plan") // armed while the object does not exist
	mustContain(t, c.reply("/rigel sync "+a), "rigel:plan")
	mustContain(t, c.reply("/rigel apply "+a), "Rigel applied `"+a+"`")

	t.Run("apply refuses another registered deployment's object", func(t *testing.T) {
		got := c.reply("/rigel apply " + bb)
		mustContain(t, got, "❌", "1 object of `"+bb+"`", "belongs to another deployment", "Nothing was applied",
			"`ConfigMap/"+ns+"/shared`: deployment `"+a+"` of `"+r.full+"` (folder `apps/a/k8s`)",
			"kubectl annotate configmap shared -n "+ns+" helmsman.dev/source-repo- helmsman.dev/source-path-", "`--force` does not override this")
		if o := owner(); o != a {
			t.Fatalf("the object now belongs to %q", o)
		}
		got = c.reply("/rigel apply " + bb + " --force")
		mustContain(t, got, "belongs to another deployment")
		got = c.reply("/rigel sync " + bb)
		mustContain(t, got, "⛔ belongs to deployment <code>"+a+"</code>", "managed by the Rigel deployment `"+a+"` of `"+r.full+"`",
			"Nothing is armed while an object belongs to another deployment")
		mustNotContain(t, got, "rigel:plan", "+  owner: a", "-  owner: a")
	})
	t.Run("after a cluster admin removes its provenance, it is adopted", func(t *testing.T) {
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:null,%q:null}}}`, sync.AnnotationSourceRepo, sync.AnnotationSourcePath)
		if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Patch(ctx, "shared", types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "kubectl-annotate"}); err != nil {
			t.Fatal(err)
		}
		got := c.reply("/rigel sync " + bb)
		mustContain(t, got, "exists, not managed by this deployment", "Applying adopts it", "rigel:plan")
		mustContain(t, c.reply("/rigel apply "+bb), "Rigel applied `"+bb+"`")
		if o := owner(); o != bb {
			t.Fatalf("the object belongs to %q, want %q", o, bb)
		}
	})
	t.Run("a deployment no longer registered gives its objects up", func(t *testing.T) {
		mustContain(t, c.reply("/rigel sync "+a), "⛔ belongs to deployment <code>"+bb+"</code>")
		mustContain(t, c.reply("/rigel remove-deployment "+bb), "Removed deployment")
		got := c.reply("/rigel sync " + a)
		mustContain(t, got, "its provenance names the deployment `"+bb+"`, which is no longer registered: applying adopts it", "rigel:plan")
		mustContain(t, c.reply("/rigel apply "+a), "Rigel applied `"+a+"`")
		if o := owner(); o != a {
			t.Fatalf("the object belongs to %q, want %q", o, a)
		}
	})
}

// An apiserver message written to break out of the apply table stays in its cell, escaped.
func TestUntrustedApplyTableEscapesMessages(t *testing.T) {
	ctx := context.Background()
	ns := unique("cells")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	// A policy in the cluster that lets dry-runs through and refuses the real write with a
	// message holding HTML, pipes and backticks.
	fail := admv1.Fail
	const msg = "denied <img src=x onerror=alert(1)> | injected | cell `tick` [link](http://127.0.0.1:1/) @someone"
	pol := &admv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: unique("cells-")},
		Spec: admv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admv1.MatchResources{ResourceRules: []admv1.NamedRuleWithOperations{{RuleWithOperations: admv1.RuleWithOperations{
				Operations: []admv1.OperationType{admv1.Create, admv1.Update},
				Rule:       admv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
			}}}},
			Validations: []admv1.Validation{{Expression: "request.dryRun == true", Message: msg}},
		}}
	vap := kc.Typed.AdmissionregistrationV1()
	if _, err := vap.ValidatingAdmissionPolicies().Create(ctx, pol, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &admv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: pol.Name},
		Spec: admv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: pol.Name, ValidationActions: []admv1.ValidationAction{admv1.Deny},
			MatchResources: &admv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}}}
	if _, err := vap.ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = vap.ValidatingAdmissionPolicyBindings().Delete(ctx, binding.Name, metav1.DeleteOptions{})
		_ = vap.ValidatingAdmissionPolicies().Delete(ctx, pol.Name, metav1.DeleteOptions{})
	})
	// Wait until the policy refuses writes (it takes effect asynchronously).
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := kc.Typed.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-"}}, metav1.CreateOptions{})
		if err != nil && strings.Contains(err.Error(), "injected") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the admission policy did not take effect: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	b := startBot(t)
	r := newRepo(t, map[string]string{"apps/web/k8s/cm.yaml": fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guarded\n  namespace: %s\ndata: {a: b}\n", ns)})
	name := unique("cells")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+name), "Registered deployment")
	mustContain(t, c.reply("/rigel sync "+name), "rigel:plan")
	got := c.reply("/rigel apply " + name)
	mustContain(t, got, "Failed", "&lt;img src=x onerror=alert(1)&gt; &#124; injected &#124; cell &#96;tick&#96; &#91;link&#93;(http:\u200d//127.0.0.1:1/) &#64;\u200dsomeone")
	mustNotContain(t, got, "<img", "`tick`", "[link]", "@someone")
	var row string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "|") && strings.Contains(l, "guarded") {
			row = l
		}
	}
	if n := strings.Count(row, "|"); n != 5 {
		t.Errorf("the table row has %d separators, want 5: %s", n, row)
	}
}
