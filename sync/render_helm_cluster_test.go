package sync

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The chart renders with the live cluster's capabilities, and its objects preview as any
// folder's: every one created, none refused by the apiserver.
func TestRenderChartWithClusterCapabilities(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	caps, err := e.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(caps.KubeVersion, "v1.") || !hasPath(caps.APIVersions, "apps/v1") || !hasPath(caps.APIVersions, "apps/v1/Deployment") || !hasPath(caps.APIVersions, "v1/ConfigMap") {
		t.Fatalf("capabilities = %s, %d API versions: want the cluster's", caps.KubeVersion, len(caps.APIVersions))
	}
	again, err := e.Capabilities(ctx)
	if err != nil || again != caps {
		t.Errorf("second call: %p, %v: want the cached %p", again, err, caps)
	}

	ns := newNamespace(t, "chart")
	objs, err := RenderWith(ctx, chartRepo(), "web", RenderOptions{
		Chart:        &ChartSettings{Release: "shop", Namespace: ns, Values: []string{"web/values-prod.yaml"}},
		Capabilities: caps,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := objByName(t, objs, "ConfigMap", "shop-web-config").Obj
	if k, _, _ := unstructured.NestedString(c.Object, "data", "kube"); k != caps.KubeVersion {
		t.Errorf(".Capabilities.KubeVersion.Version rendered %q, want %q", k, caps.KubeVersion)
	}
	plan, err := e.Diff(ctx, objs, Provenance{Deployment: "shop", Path: "web"})
	if err != nil {
		t.Fatal(err)
	}
	hooks := 0 // the chart's hooks run in their phase (hooks.go), apart from the objects
	for _, o := range objs {
		if o.Obj.GetAnnotations()["helm.sh/hook"] != "" {
			hooks++
		}
	}
	if hooks == 0 || len(plan.Hooks) != hooks {
		t.Errorf("the plan holds %d hooks, want the chart's %d (and the test chart to have one)", len(plan.Hooks), hooks)
	}
	create, update, unchanged, failed := plan.Counts()
	if len(plan.Hooks) != 1 || plan.Hooks[0].Ref.Name != "shop-web-migrate" { // hooks are kept apart (hooks.go)
		t.Errorf("hooks %+v, want the chart's migration", plan.Hooks)
	}
	if create != len(objs)-hooks || update+unchanged+failed != 0 {
		for _, ch := range plan.Changes {
			t.Logf("%s %s %s", ch.Ref, ch.Action, ch.Err)
		}
		t.Errorf("counts %d/%d/%d/%d, want %d created", create, update, unchanged, failed, len(objs)-hooks)
	}
}
