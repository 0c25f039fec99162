package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// deployment is a Deployment manifest in namespace ns; stuck keeps the test bed's workload
// status writer (testenv.RunWorkloadStatus) from ever making it ready.
func deployment(ns, name string, stuck bool) string {
	ann := ""
	if stuck {
		ann = "  annotations:\n    " + testenv.StuckAnnotation + ": \"true\"\n"
	}
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + ann +
		"spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: " + name + "\n  template:\n    metadata:\n      labels:\n        app: " + name +
		"\n    spec:\n      containers:\n      - name: app\n        image: registry.example/app:1\n"
}

// TestApplyExitCodes produces every exit code of rigel apply against the real apiserver:
// 0 applied and healthy (and nothing to do), 1 nothing applied (a render error, an object the
// preview refuses, an unreachable cluster, a chart), 3 applied but unhealthy (the wait timed
// out, or a workload failed).
func TestApplyExitCodes(t *testing.T) {
	ns := "apply-exit"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cluster.Config)
	tests := []struct {
		name   string
		files  map[string]string
		args   []string
		before func(t *testing.T) // runs beside the apply
		code   int
		stderr []string
		absent string // a Deployment or ConfigMap that must not exist afterwards
	}{
		{"healthy", map[string]string{"d.yaml": deployment(ns, "healthy", false)}, []string{"--wait", "1m"}, nil, applyHealthy,
			[]string{"1 to create, 0 to change", "apply Succeeded in"}, ""},
		{"nothing to do, without wait", map[string]string{"d.yaml": deployment(ns, "healthy", false)}, nil, nil, applyHealthy,
			[]string{"0 to create, 0 to change, 1 unchanged", "apply Succeeded"}, ""},
		{"the wait times out", map[string]string{"d.yaml": deployment(ns, "stuck", true)}, []string{"--wait", "2s"}, nil, applyUnhealthy,
			[]string{"# Deployment/" + ns + "/stuck InProgress:", "apply Unhealthy in"}, ""},
		{"a workload fails", map[string]string{"d.yaml": deployment(ns, "failing", true)}, []string{"--wait", "2m"},
			func(t *testing.T) { go failRollout(t, cs, ns, "failing") }, applyUnhealthy,
			[]string{"# Deployment/" + ns + "/failing Failed:", "Progress deadline exceeded", "apply Unhealthy in"}, ""},
		{"a render error", map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: never\n  namespace: " + ns + "\n", "bad.yaml": "kind: [\n"}, nil, nil, applyError,
			[]string{"Error: ", "bad.yaml"}, "ConfigMap/never"},
		{"the preview refuses an object", map[string]string{
			"cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: never\n  namespace: " + ns + "\n",
			"gone.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n  namespace: no-such-namespace\n"}, nil, nil, applyError,
			[]string{"1 to create, 0 to change, 0 unchanged, 1 refused", "Error: the preview refused 1 object(s): nothing applied"}, "ConfigMap/never"},
		{"the apiserver refuses an apply", map[string]string{ // the dry-run cannot check a ConfigMap in a namespace the plan creates
			"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apply-exit-fresh\n",
			"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: apply-exit-fresh\ndata:\n  \"not a key!\": x\n"}, nil, nil, applyError,
			[]string{"2 to create", "# ConfigMap/apply-exit-fresh/bad not applied: ", "apply Failed in"}, ""},
		{"an unreachable cluster", map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: never\n"},
			[]string{"--server", "https://127.0.0.1:1"}, nil, applyError, []string{"Error: ", "127.0.0.1:1"}, ""},
		{"a chart whose template fails", map[string]string{"Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n", "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: never\ndata:\n  a: {{ nosuchfunction }}\n"},
			nil, nil, applyError, []string{"Error: ", "templates/cm.yaml", "line 6"}, "ConfigMap/never"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, write := newFolder(t, "")
			for name, body := range tt.files {
				write(name, body)
			}
			if tt.before != nil {
				tt.before(t)
			}
			code, errOut := runLocal(t, "apply", dir, tt.args, io.Discard)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if name, ok := strings.CutPrefix(tt.absent, "ConfigMap/"); ok {
				if _, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{}); err == nil {
					t.Errorf("ConfigMap %s/%s exists: something was applied", ns, name)
				}
			}
		})
	}
}

// failRollout plays a Deployment controller giving up on deployment ns/name: once it exists,
// its status says the rollout exceeded its progress deadline (kstatus: Failed).
func failRollout(t *testing.T, cs kubernetes.Interface, ns, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for ctx.Err() == nil {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1, UnavailableReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded",
				Message: `ReplicaSet "` + name + `-1" has timed out progressing.`}}}
		if _, err := cs.AppsV1().Deployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err == nil {
			return
		}
	}
	t.Errorf("failed to fail the rollout of %s/%s", ns, name)
}

// TestDiffExitCodes produces every exit code of rigel diff: 0 no changes, 1 changes, 2 error
// (a render error, an object the dry-run refuses, an unreachable cluster, a chart, a
// namespace mismatch with -n).
func TestDiffExitCodes(t *testing.T) {
	ns := "diff-exit"
	dir, write := newFolder(t, ns)
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: " + ns + "\ndata:\n  a: \"1\"\n"
	write("cm.yaml", cm)
	if code, errOut := runLocal(t, "apply", dir, nil, io.Discard); code != applyHealthy {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	tests := []struct {
		name   string
		files  map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"no changes", nil, nil, diffNoChanges, "0 to create, 0 to change, 1 unchanged, 0 refused"},
		{"a change", map[string]string{"cm.yaml": strings.Replace(cm, `"1"`, `"2"`, 1)}, nil, diffChanges, "0 to create, 1 to change"},
		{"a new object", map[string]string{"new.yaml": strings.Replace(cm, "name: web", "name: new", 1)}, nil, diffChanges, "1 to create, 0 to change"},
		{"a render error", map[string]string{"bad.yaml": "kind: [\n"}, nil, diffError, "bad.yaml"},
		{"the dry-run refuses an object", map[string]string{"gone.yaml": strings.Replace(cm, "namespace: "+ns, "namespace: no-such-namespace", 1)}, nil, diffError, "1 refused"},
		{"an unreachable cluster", nil, []string{"--server", "https://127.0.0.1:1"}, diffError, "127.0.0.1:1"},
		{"a chart whose template fails", map[string]string{"Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n", "templates/cm.yaml": "a: {{ nosuchfunction }}\n"}, nil, diffError, "templates/cm.yaml"},
		{"another namespace than -n", nil, []string{"-n", "default"}, diffError, `does not match the namespace "default": pass -n ` + ns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, w := newFolder(t, "")
			w("cm.yaml", cm)
			for name, body := range tt.files {
				w(name, body)
			}
			var out bytes.Buffer
			code, errOut := runLocal(t, "diff", d, tt.args, &out)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr lacks %q?\n%s", code, tt.code, tt.stderr, errOut)
			}
		})
	}
}
