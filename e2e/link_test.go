package e2e

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	annRepo = "helmsman.dev/source-repo"
	annPath = "helmsman.dev/source-path"
)

// workload is what linking must leave alone, and the annotations it sets.
type workload struct {
	generation  int64
	spec        any
	labels      map[string]string
	annotations map[string]string
}

func linkTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "nginx:1.27"}}},
	}
}

// createWorkload makes a workload Rigel did not apply, with a label and an annotation of its own.
func createWorkload(t *testing.T, kind, ns, name string) {
	t.Helper()
	ctx := context.Background()
	meta := metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"team": "payments"}, Annotations: map[string]string{"owner": "ops"}}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}
	apps := kc.Typed.AppsV1()
	var err error
	switch kind {
	case "Deployment":
		_, err = apps.Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: sel, Template: linkTemplate()}}, metav1.CreateOptions{})
	case "StatefulSet":
		_, err = apps.StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: sel, Template: linkTemplate()}}, metav1.CreateOptions{})
	case "DaemonSet":
		_, err = apps.DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: sel, Template: linkTemplate()}}, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func getWorkload(t *testing.T, kind, ns, name string) workload {
	t.Helper()
	ctx := context.Background()
	apps := kc.Typed.AppsV1()
	switch kind {
	case "Deployment":
		o, err := apps.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return workload{o.Generation, o.Spec, o.Labels, o.Annotations}
	case "StatefulSet":
		o, err := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return workload{o.Generation, o.Spec, o.Labels, o.Annotations}
	default:
		o, err := apps.DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return workload{o.Generation, o.Spec, o.Labels, o.Annotations}
	}
}

// withLink is before's annotations with the link to dep (or without any link when dep is "").
func withLink(before map[string]string, dep, path string) map[string]string {
	out := map[string]string{}
	for k, v := range before {
		if k != annRepo && k != annPath {
			out[k] = v
		}
	}
	if dep != "" {
		out[annRepo], out[annPath] = dep, path
	}
	return out
}

// sameWorkload fails unless only the link annotations moved. A Deployment's generation goes
// up by one per annotation change (the apiserver does that: its controller copies annotations
// to the ReplicaSet); its spec stays, so nothing rolls out.
func sameWorkload(t *testing.T, kind string, before, after workload, changes int64) {
	t.Helper()
	wantGen := before.generation
	if kind == "Deployment" {
		wantGen += changes
	}
	if after.generation != wantGen {
		t.Errorf("generation %d → %d, want %d", before.generation, after.generation, wantGen)
	}
	if !reflect.DeepEqual(before.spec, after.spec) {
		t.Errorf("the spec changed:\n%+v\n→\n%+v", before.spec, after.spec)
	}
	if !reflect.DeepEqual(before.labels, after.labels) {
		t.Errorf("labels %v → %v", before.labels, after.labels)
	}
}

func TestLink(t *testing.T) {
	b := startBot(t)
	ns := unique("link")
	r := newRepo(t, webAndAPIFiles(ns))
	web, api := unique("lweb"), unique("lapi")
	c := b.issue(r)
	mustContain(t, c.reply("/rigel add-deployment apps/web/k8s --name "+web), "Registered deployment")
	mustContain(t, c.reply("/rigel add-deployment apps/api/k8s --name "+api), "Registered deployment")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	createWorkload(t, "Deployment", ns, "legacy")
	createWorkload(t, "StatefulSet", ns, "db")
	createWorkload(t, "DaemonSet", ns, "agent")

	orig := getWorkload(t, "Deployment", ns, "legacy")
	t.Run("link stamps the two annotations and nothing else", func(t *testing.T) {
		got := c.reply(fmt.Sprintf("/rigel link deploy/legacy -n %s %s", ns, web))
		mustContain(t, got, "✅ Linked Deployment `legacy` in namespace `"+ns+"` to deployment `"+web+"`", annRepo+": "+web, annPath+": apps/web/k8s", "**Next:**")
		after := getWorkload(t, "Deployment", ns, "legacy")
		sameWorkload(t, "Deployment", orig, after, 1)
		if want := withLink(orig.annotations, web, "apps/web/k8s"); !reflect.DeepEqual(after.annotations, want) {
			t.Errorf("annotations = %v, want %v", after.annotations, want)
		}
	})
	t.Run("linking to the same deployment again changes nothing", func(t *testing.T) {
		before := getWorkload(t, "Deployment", ns, "legacy")
		got := c.reply(fmt.Sprintf("/rigel link deploy/legacy -n %s %s", ns, web))
		mustContain(t, got, "already linked to `"+web+"`", "Nothing was changed")
		mustNotContain(t, got, "❌")
		if after := getWorkload(t, "Deployment", ns, "legacy"); !reflect.DeepEqual(after, before) {
			t.Errorf("a no-op link changed the workload: %+v → %+v", before, after)
		}
	})
	t.Run("relinking to another deployment is refused without --force", func(t *testing.T) {
		before := getWorkload(t, "Deployment", ns, "legacy")
		got := c.reply(fmt.Sprintf("/rigel link deploy/legacy -n %s %s", ns, api))
		mustContain(t, got, "❌", "already linked to the deployment `"+web+"`", "apps/web/k8s",
			fmt.Sprintf("/rigel link deployment/legacy -n %s %s --force", ns, api))
		if after := getWorkload(t, "Deployment", ns, "legacy"); !reflect.DeepEqual(after, before) {
			t.Errorf("a refused link changed the workload: %+v → %+v", before, after)
		}
	})
	t.Run("relinking with --force", func(t *testing.T) {
		got := c.reply(fmt.Sprintf("/rigel link deploy/legacy -n %s %s --force", ns, api))
		mustContain(t, got, "✅ Linked Deployment `legacy`", "to deployment `"+api+"` (it was linked to `"+web+"`)")
		after := getWorkload(t, "Deployment", ns, "legacy")
		sameWorkload(t, "Deployment", orig, after, 2)
		if want := withLink(orig.annotations, api, "apps/api/k8s"); !reflect.DeepEqual(after.annotations, want) {
			t.Errorf("annotations = %v, want %v", after.annotations, want)
		}
	})
	t.Run("unlink removes both annotations", func(t *testing.T) {
		got := c.reply("/rigel unlink deployment/legacy --namespace " + ns)
		mustContain(t, got, "✅ Unlinked Deployment `legacy` in namespace `"+ns+"` from `"+api+"`")
		after := getWorkload(t, "Deployment", ns, "legacy")
		sameWorkload(t, "Deployment", orig, after, 3)
		if !reflect.DeepEqual(after.annotations, orig.annotations) {
			t.Errorf("annotations = %v, want %v", after.annotations, orig.annotations)
		}
	})
	t.Run("unlink of an unlinked workload says so", func(t *testing.T) {
		got := c.reply("/rigel unlink deploy/legacy -n " + ns)
		mustContain(t, got, "is not linked to any deployment", "Nothing was changed")
		mustNotContain(t, got, "✅")
	})

	forms := []struct{ typed, kind, name string }{
		{"deployment/legacy", "Deployment", "legacy"}, {"Deploy/legacy", "Deployment", "legacy"},
		{"statefulset/db", "StatefulSet", "db"}, {"STS/db", "StatefulSet", "db"},
		{"daemonset/agent", "DaemonSet", "agent"}, {"ds/agent", "DaemonSet", "agent"},
	}
	for _, f := range forms {
		t.Run("kind "+f.typed, func(t *testing.T) {
			before := getWorkload(t, f.kind, ns, f.name)
			mustContain(t, c.reply(fmt.Sprintf("/rigel link %s -n %s %s", f.typed, ns, web)), "✅ Linked "+f.kind+" `"+f.name+"`")
			linked := getWorkload(t, f.kind, ns, f.name)
			sameWorkload(t, f.kind, before, linked, 1)
			if want := withLink(before.annotations, web, "apps/web/k8s"); !reflect.DeepEqual(linked.annotations, want) {
				t.Errorf("annotations = %v, want %v", linked.annotations, want)
			}
			mustContain(t, c.reply(fmt.Sprintf("/rigel unlink %s -n %s", f.typed, ns)), "✅ Unlinked "+f.kind+" `"+f.name+"`")
			if after := getWorkload(t, f.kind, ns, f.name); !reflect.DeepEqual(after.annotations, before.annotations) {
				t.Errorf("after unlink: annotations = %v, want %v", after.annotations, before.annotations)
			}
		})
	}

	t.Run("without -n the namespace is default", func(t *testing.T) {
		name := unique("deflt")
		createWorkload(t, "Deployment", "default", name)
		mustContain(t, c.reply(fmt.Sprintf("/rigel link deploy/%s %s", name, web)), "✅ Linked Deployment `"+name+"` in namespace `default`")
		if got := getWorkload(t, "Deployment", "default", name).annotations[annRepo]; got != web {
			t.Errorf("%s = %q, want %q", annRepo, got, web)
		}
		mustContain(t, c.reply(fmt.Sprintf("/rigel link deploy/legacy %s", web)), "❌", "there is no Deployment `legacy` in namespace `default`")
		mustContain(t, c.reply(fmt.Sprintf("/rigel unlink deploy/%s", name)), "✅ Unlinked Deployment `"+name+"` in namespace `default`")
	})

	t.Run("a missing workload", func(t *testing.T) {
		got := c.reply(fmt.Sprintf("/rigel link sts/nope -n %s %s", ns, web))
		mustContain(t, got, "❌", "there is no StatefulSet `nope` in namespace `"+ns+"`")
		mustContain(t, c.reply("/rigel unlink ds/nope -n "+ns), "❌", "there is no DaemonSet `nope`")
	})
	t.Run("a missing deployment", func(t *testing.T) {
		before := getWorkload(t, "StatefulSet", ns, "db")
		got := c.reply(fmt.Sprintf("/rigel link sts/db -n %s nosuch", ns))
		mustContain(t, got, "❌", "there is no deployment named `nosuch`", "`"+web+"`")
		if after := getWorkload(t, "StatefulSet", ns, "db"); !reflect.DeepEqual(after, before) {
			t.Error("a refused link changed the workload")
		}
	})
	t.Run("a kind that is not a workload", func(t *testing.T) {
		mustContain(t, c.reply(fmt.Sprintf("/rigel link pod/db -n %s %s", ns, web)), "❌", "is not KIND/NAME of a workload")
	})

	other := newRepo(t, webFiles(unique("lother"), 1, "pw"))
	otherDep := unique("lotherweb")
	oc := b.issue(other)
	mustContain(t, oc.reply("/rigel add-deployment apps/web/k8s --name "+otherDep), "Registered deployment")
	t.Run("another repo's deployment", func(t *testing.T) {
		before := getWorkload(t, "StatefulSet", ns, "db")
		got := c.reply(fmt.Sprintf("/rigel link sts/db -n %s %s", ns, otherDep))
		mustContain(t, got, "❌", "the deployment `"+otherDep+"` belongs to "+other.full)
		if after := getWorkload(t, "StatefulSet", ns, "db"); !reflect.DeepEqual(after, before) {
			t.Error("a refused link changed the workload")
		}
	})
	t.Run("a workload linked from another repo is not relinked or unlinked here", func(t *testing.T) {
		mustContain(t, oc.reply(fmt.Sprintf("/rigel link ds/agent -n %s %s", ns, otherDep)), "✅ Linked DaemonSet `agent`")
		mustContain(t, c.reply(fmt.Sprintf("/rigel link ds/agent -n %s %s --force", ns, web)), "❌", "linked to the deployment `"+otherDep+"` of "+other.full)
		mustContain(t, c.reply("/rigel unlink ds/agent -n "+ns), "❌", "linked to the deployment `"+otherDep+"` of "+other.full)
		if got := getWorkload(t, "DaemonSet", ns, "agent").annotations[annRepo]; got != otherDep {
			t.Errorf("%s = %q, want %q", annRepo, got, otherDep)
		}
		mustContain(t, oc.reply("/rigel unlink ds/agent -n "+ns), "✅ Unlinked DaemonSet `agent`")
	})

	t.Run("list shows each deployment's workloads", func(t *testing.T) {
		mustContain(t, c.reply(fmt.Sprintf("/rigel link sts/db -n %s %s", ns, web)), "✅")
		mustContain(t, c.reply(fmt.Sprintf("/rigel link ds/agent -n %s %s", ns, web)), "✅")
		got := c.reply("/rigel list")
		mustContain(t, got, "- `"+web+"`: StatefulSet `"+ns+"/db`, DaemonSet `"+ns+"/agent`", "- `"+api+"`: none")
		mustNotContain(t, got, "legacy") // unlinked above
	})
	t.Run("list shows what Rigel applied as workloads too", func(t *testing.T) {
		c.reply("/rigel sync " + web)
		mustContain(t, c.reply("/rigel apply "+web), "Rigel applied `"+web+"`")
		got := c.reply("/rigel list")
		mustContain(t, got, "- `"+web+"`: Deployment `"+ns+"/web`, StatefulSet `"+ns+"/db`, DaemonSet `"+ns+"/agent`")
	})

	t.Run("a read-only user is refused", func(t *testing.T) {
		reader := unique("lreader")
		gh.SetPermission(r.full, reader, "read")
		before := getWorkload(t, "Deployment", ns, "legacy")
		mustContain(t, c.replyAs(reader, fmt.Sprintf("/rigel link deploy/legacy -n %s %s", ns, web)), "❌", "`/rigel link` needs `write` or higher", "Nothing was done")
		mustContain(t, c.replyAs(reader, fmt.Sprintf("/rigel unlink sts/db -n %s", ns)), "❌", "`/rigel unlink` needs `write` or higher")
		if after := getWorkload(t, "Deployment", ns, "legacy"); !reflect.DeepEqual(after, before) {
			t.Error("a refused link changed the workload")
		}
		if got := getWorkload(t, "StatefulSet", ns, "db").annotations[annRepo]; got != web {
			t.Errorf("a refused unlink removed the link: %s = %q", annRepo, got)
		}
		mustNotContain(t, c.replyAs(reader, "/rigel list"), "❌")
	})
}
