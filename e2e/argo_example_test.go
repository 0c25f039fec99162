package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// ensureCRD creates the CRD of doc unless it exists, and waits until it is served.
func ensureCRD(t *testing.T, ctx context.Context, doc string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	_, err := kc.Dynamic.Resource(crdResource).Create(ctx, u, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// exampleCleanup deletes, when the test ends, what applying the example's waves-and-hooks
// folder leaves in namespace default (its CRD hook among them), so that a next run starts clean.
func exampleCleanup(t *testing.T) {
	removeGizmoCRD(t) // left by a run that stopped before its cleanup
	t.Cleanup(func() {
		ctx := context.Background()
		bg := metav1.DeletePropagationBackground
		del := metav1.DeleteOptions{PropagationPolicy: &bg}
		cms := kc.Typed.CoreV1().ConfigMaps("default")
		_ = cms.Delete(ctx, "wh-config", del)
		_ = cms.Delete(ctx, "wh-settings", del)
		_ = kc.Typed.AppsV1().Deployments("default").Delete(ctx, "wh-backend", del)
		_ = kc.Typed.BatchV1().Jobs("default").Delete(ctx, "wh-notify", del)
		removeGizmoCRD(t)
	})
}

// removeGizmoCRD deletes the CRD of the example's waves-and-hooks folder and waits until it is
// gone (a terminating CRD refuses its resources: the next preview would show that).
func removeGizmoCRD(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	crds := kc.Dynamic.Resource(crdResource)
	_ = crds.Delete(ctx, "gizmos.example.rigel.dev", metav1.DeleteOptions{})
	for {
		if _, err := crds.Get(ctx, "gizmos.example.rigel.dev", metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return
		}
		select {
		case <-ctx.Done():
			t.Errorf("CRD gizmos.example.rigel.dev is still there")
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var gizmos = schema.GroupVersionResource{Group: "example.rigel.dev", Version: "v1", Resource: "gizmos"}

// TestArgoExampleThroughTheBot (issue 17): the Argo-CD-style example repository
// (testdata/argocd-example) through the bot — signed webhook payloads, the fake GitHub, the
// real git server and apiserver: each folder is registered and previewed, or refused with its
// reason; the waves-and-hooks folder is applied (a CRD created by a PreSync hook and a
// resource of it in a later wave, hook Jobs with their logs, Replace and Force), applied again
// (the kept CRD hook replaced), then refused by a policy forbidding Force=true.
func TestArgoExampleThroughTheBot(t *testing.T) {
	ctx := jobsWithLogsIn(t, "default") // the folders name no namespace: Rigel's default
	ensureCRD(t, ctx, testenv.ArgoApplicationCRD)
	exampleCleanup(t)
	b := startBot(t)
	files, err := testenv.ReadTree(filepath.Join("..", "testdata", "argocd-example"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRepo(t, files)
	c := b.issue(r)

	previews := []struct {
		folder string
		want   []string
	}{
		{"guestbook", []string{"2 to create", "<code>Deployment/default/guestbook-ui</code>", "<code>Service/default/guestbook-ui</code>"}},
		{"kustomize-guestbook", []string{"2 to create", "<code>Deployment/default/kustomize-guestbook-ui</code>"}},
		{"sync-waves", []string{"3 to create", "applied in 3 sync waves", "| -1 | `ConfigMap/default/waves-config` | — |", "| 2 | `Service/default/waves-frontend` | — |"}},
		{"pre-post-sync", []string{"1 to create", "2 hooks to run", "`Job/default/before-*` from `pre-post-sync/pre-sync-job.yaml`", "**After every object is healthy**", "`Job/default/after-*`"}},
		{"helm-guestbook", []string{"1 to create", "<code>Deployment/default/helm-guestbook-helm-guestbook</code>"}},
		{"apps", []string{"1 managed by Argo CD", "**Argo CD's own object** (`kind Application of argoproj.io`)", "refuses this plan unless given `--force`"}},
		{"waves-and-hooks", []string{"4 to create", "applied in 4 sync waves", "4 hooks to run",
			"kind Gizmo is defined by CustomResourceDefinition gizmos.example.rigel.dev, a PreSync hook of this plan: not dry-run (as Argo CD), shown as sent",
			"| 1 | `Gizmo/default/wh-gizmo` | — |", "⚠️ <b>Force=true: deleted and created again</b>",
			"`CustomResourceDefinition/gizmos.example.rigel.dev` from `waves-and-hooks/crd-hook.yaml` | 0 | — | when it fails | sync option Replace=true",
			"`Job/default/wh-migrate-*`", "**Only if the apply fails** (SyncFail)"}},
	}
	for _, p := range previews {
		mustContain(t, c.reply("/rigel add-deployment "+p.folder), "Registered deployment `"+p.folder+"`")
		got := c.reply("/rigel diff " + p.folder)
		mustContain(t, got, p.want...)
		mustNotContain(t, got, "❌")
	}

	// Refused with their reasons: a folder with nothing to render, and jsonnet without its lib.
	mustContain(t, c.reply("/rigel add-deployment docs-only"), "`docs-only` on branch `main` holds no manifests", "What it holds:",
		"`notes.txt`: not a manifest", "`widgets.libsonnet`: a jsonnet library, rendered only when a *.jsonnet file imports it")
	mustContain(t, c.reply("/rigel add-deployment jsonnet-guestbook-tla"), "`jsonnet-guestbook-tla/guestbook-ui.jsonnet`",
		`import "k.libsonnet": no such file in the repository`)
	// Registered by comment with its top-level argument and lib (the registry's jsonnet settings): it previews.
	mustContain(t, c.reply("/rigel add-deployment jsonnet-guestbook-tla --name jsonnet-gb --tla name=jsonnet-gb --jsonnet-lib lib"),
		"Registered deployment `jsonnet-gb`")
	mustContain(t, c.reply("/rigel diff jsonnet-gb"), "2 to create", "<code>Deployment/default/jsonnet-gb</code>", "<code>Service/default/jsonnet-gb</code>")

	// An Argo CD Application is not applied without --force.
	c.reply("/rigel sync apps")
	mustContain(t, c.reply("/rigel apply apps"), "Argo CD")
	if _, err := kc.Dynamic.Resource(schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "applications"}).Namespace("default").Get(ctx, "guestbook", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Application was applied without --force: %v", err)
	}

	// The waves and hooks folder, applied.
	c.reply("/rigel sync waves-and-hooks")
	got := c.reply("/rigel apply waves-and-hooks")
	mustContain(t, got, "Succeeded", "`CustomResourceDefinition/gizmos.example.rigel.dev` | pre | ✅ Succeeded | the CustomResourceDefinition is established",
		"| pre | ✅ Succeeded | the Job completed", "`Job/default/wh-notify` | post | ✅ Succeeded", "`Job/default/wh-rollback` | fail | ⏭ Skipped",
		"migrated 3 tables", "release note sent")
	mustNotContain(t, got, "paged the on-call", "Sync waves:**")
	gz, err := kc.Dynamic.Resource(gizmos).Namespace("default").Get(ctx, "wh-gizmo", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Gizmo of the PreSync hook's CRD: %v", err)
	}
	crd, err := kc.Dynamic.Resource(crdResource).Get(ctx, "gizmos.example.rigel.dev", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, settings := getConfigMap(t, "default", "wh-config"), getConfigMap(t, "default", "wh-settings")
	// The apiserver's order: the CRD hook, then wave -1, then the Gizmo (wave 1), then wave 2.
	if rc, r1, rg, r2 := atoi(crd.GetResourceVersion()), atoi(cfg.ResourceVersion), atoi(gz.GetResourceVersion()), atoi(settings.ResourceVersion); !(rc < rg && r1 < rg && rg < r2) {
		t.Errorf("creation order: CRD %d, wave -1 %d, Gizmo %d, wave 2 %d", rc, r1, rg, r2)
	}
	jobs, err := kc.Typed.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Items {
		if strings.HasPrefix(j.Name, "wh-migrate-") {
			t.Errorf("HookSucceeded: %s is still there", j.Name)
		}
	}

	// Applied again: the CRD hook its policy kept is replaced (Replace=true), wh-settings is
	// deleted and created again (Force=true).
	c.reply("/rigel sync waves-and-hooks")
	mustContain(t, c.reply("/rigel apply waves-and-hooks"), "Succeeded", "`CustomResourceDefinition/gizmos.example.rigel.dev` | pre | ✅ Succeeded")
	if again := getConfigMap(t, "default", "wh-settings"); again.UID == settings.UID {
		t.Errorf("Force=true: wh-settings kept its UID %s", again.UID)
	}

	// A policy refusing Force=true: the preview names the rule, and nothing is applied.
	if _, err := config.NewRegistry(kc.Typed, b.namespace).Update(ctx, func(s *config.Sources) error {
		_, d := s.FindDeployment("waves-and-hooks")
		d.Policy = &config.Policy{RefusedSyncOptions: []string{"Force=true"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.reply("/rigel policy waves-and-hooks"), "| `refusedSyncOptions` | `Force=true` | the deployment |")
	before := getConfigMap(t, "default", "wh-settings")
	mustContain(t, c.reply("/rigel sync waves-and-hooks"), "sync option Force=true (argocd.argoproj.io/sync-options) is refused by the policy (refusedSyncOptions: Force=true)")
	c.reply("/rigel apply waves-and-hooks")
	if after := getConfigMap(t, "default", "wh-settings"); after.UID != before.UID {
		t.Errorf("applied against the policy: wh-settings was deleted and created again")
	}
}
