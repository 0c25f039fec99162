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

func TestMaskLogSecrets(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWJ5dGVz"
	tests := []struct {
		name, text string
		values     []string
		want       string
	}{
		{"a value", "password is hunter22\n", secretForms([]byte("hunter22")), "password is ***\n"},
		{"its base64", "dump: " + base64.StdEncoding.EncodeToString([]byte("hunter22")) + "\n", secretForms([]byte("hunter22")), "dump: ***\n"},
		{"each line of a key", "line -----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n", secretForms([]byte("-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n-----END KEY-----")), "line ***\n***\n"},
		{"longest first", "token abcdef-long\n", []string{"abcd", "abcdef-long"}, "token ***\n"},
		{"short values stay", "ok on 1\n", []string{"on", "1"}, "ok on 1\n"},
		{"a service account token", "token=" + jwt + "\n", nil, "token=***\n"},
		{"nothing to mask", "migrated 3 tables\n", secretForms([]byte("zzzz")), "migrated 3 tables\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskLogSecrets(tt.text, tt.values); got != tt.want {
				t.Errorf("maskLogSecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPodSecretNames(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "init-env"}}}}}},
		Containers: []corev1.Container{{Env: []corev1.EnvVar{
			{Name: "A", Value: "plain"},
			{Name: "B", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}},
			{Name: "C", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "k"}}},
		}}},
		Volumes: []corev1.Volume{
			{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "tls"}}},
			{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "projected"}}}}}}},
			{Name: "db-again", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db"}}},
		},
	}}
	if got, want := strings.Join(podSecretNames(pod), ","), "db,init-env,projected,tls"; got != want {
		t.Errorf("podSecretNames = %s, want %s", got, want)
	}
}

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
