package sync

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// A hook's log tail comes through the real apiserver (pods/log, served by the test bed's
// kubelet stand-in), with the values of the Secrets its pod reads masked.
func TestHookLogsMaskSecrets(t *testing.T) {
	e := newEngine(t)
	ctx := testCtx(t)
	ns := newNamespace(t, "hooklogs")
	cs := theClient.Typed
	kubelet, err := testenv.StartKubelet(ctx, cs, "node-"+ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.RunJobStatusOn(ctx, theCluster.Config, ns, kubelet); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
		Data: map[string][]byte{"password": []byte("s3cr3t-pw"), "user": []byte("admin-user")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	log := "connecting as admin-user with s3cr3t-pw\nencoded " + base64.StdEncoding.EncodeToString([]byte("s3cr3t-pw")) + "\nmigrated 3 tables\n"
	job := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  namespace: " + ns + "\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n" +
		"    " + testenv.JobLogAnnotation + ": " + strings.ReplaceAll(strings.TrimSpace(quoteYAML(log)), "\n", "\\n") + "\n" +
		"spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: run\n        image: example.com/tools:1\n" +
		"        env:\n        - name: PW\n          valueFrom:\n            secretKeyRef: {name: db, key: password}\n"
	p := mustDiff(t, e, ctx, objs(t, "charts/web/all.yaml", hookCM("app", ns, "1"), job), Provenance{Deployment: "web", Path: "charts/web", Commit: "c1"})
	res := mustApply(t, e, ctx, p, ApplyOptions{Wait: 10 * time.Second, HookTimeout: 20 * time.Second})
	if res.Status != StatusSucceeded || len(res.Hooks) != 1 {
		t.Fatalf("apply: %s %+v", res.Status, res.Hooks)
	}
	got := res.Hooks[0].Logs
	if !strings.Contains(got, "migrated 3 tables") || !strings.Contains(got, "connecting as *** with ***") {
		t.Errorf("logs %q: want the tail, with the Secret's values masked", got)
	}
	for _, leak := range []string{"s3cr3t-pw", "admin-user", base64.StdEncoding.EncodeToString([]byte("s3cr3t-pw"))} {
		if strings.Contains(got, leak) {
			t.Errorf("logs %q show %q, a value of Secret db", got, leak)
		}
	}
}

// quoteYAML is s as a double-quoted YAML scalar.
func quoteYAML(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
