package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// The missing-reference rule's typo rename on a chart deployment (issue 16): the reference's
// value is traced to the values file that sets it and renamed there; a reference the template
// writes as text is said, with the line to change, and nothing is proposed for it.

const chartRefValuesProd = `# Production.
config:
  name: web-confg   # the production settings
`

func chartRefFiles(ns string) map[string]string {
	return map[string]string{
		"charts/web/Chart.yaml":       "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"charts/web/values.yaml":      "config:\n  name: web-config\nlogPrefix: log\n",
		"charts/web/values-prod.yaml": chartRefValuesProd,
		// web: its ConfigMap's name from values (a typo in values-prod.yaml), its TLS Secret's
		// name written in the template (a typo there)
		"charts/web/templates/web.yaml": webYAML(ns, `        - name: web
          image: nginx:1.27
          env:
            - name: LOG_LEVEL
              valueFrom:
                configMapKeyRef:
                  name: {{ .Values.config.name }}
                  key: log_level
          volumeMounts: [{name: tls, mountPath: /tls}]
      volumes:
        - name: tls
          secret:
            secretName: web-tsl
`),
		// api: only the key, built by printf from a values key
		"charts/web/templates/api.yaml": strings.NewReplacer("name: web\n", "name: api\n", "{app: web}", "{app: api}").Replace(webYAML(ns, `        - name: api
          image: nginx:1.27
          env:
            - name: LOG_LEVEL
              valueFrom:
                configMapKeyRef:
                  name: web-config
                  key: {{ printf "%s_levle" .Values.logPrefix }}
`)),
	}
}

// chartRefWorkload creates Deployment name in ns, linked to deployment dep (charts/web), with
// spec as the chart renders it, and its pod waiting for the configuration it lacks.
func chartRefWorkload(t *testing.T, ns, name, dep string, spec corev1.PodSpec, waiting string) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{"app": name}
	replicas := int32(1)
	if _, err := kc.Typed.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: map[string]string{annRepo: dep, annPath: "charts/web"}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := kc.Typed.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name + "-a", Namespace: ns, Labels: labels}, Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := spec.Containers[0]
	if p, err = testenv.WritePodStatus(ctx, kc.Typed, p, testenv.ContainerWaiting(c.Name, c.Image, "CreateContainerConfigError", waiting)); err != nil {
		t.Fatal(err)
	}
	return p
}

func configKeyEnv(name, key string) []corev1.EnvVar {
	return []corev1.EnvVar{{Name: "LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}}}
}

func TestFixRuleMissingConfigOnChart(t *testing.T) {
	ctx := context.Background()
	ns := unique("fixchartref-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	b := startBot(t)
	r := newRepo(t, chartRefFiles(ns))
	c := b.issue(r)
	dep := unique("webprod")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment charts/web --name %s --values values-prod.yaml --release web --namespace %s", dep, ns)), "Registered deployment")
	if _, err := kc.Typed.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web-config", Namespace: ns},
		Data: map[string]string{"log_level": "info", "workers": "4"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const secretValue = "-----BEGIN PRIVATE KEY-----MIIEvQ"
	if _, err := kc.Typed.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-tls", Namespace: ns},
		Data: map[string][]byte{"tls.key": []byte(secretValue)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	web := corev1.PodSpec{
		Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27", Env: configKeyEnv("web-confg", "log_level"),
			VolumeMounts: []corev1.VolumeMount{{Name: "tls", MountPath: "/tls"}}}},
		Volumes: []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "web-tsl"}}}},
	}
	p := chartRefWorkload(t, ns, "web", dep, web, `configmap "web-confg" not found`)
	if err := testenv.KubeletEvent(ctx, kc.Typed, p, "web", corev1.EventTypeWarning, "FailedMount", `MountVolume.SetUp failed for volume "tls" : secret "web-tsl" not found`, 3); err != nil {
		t.Fatal(err)
	}

	// the ConfigMap's name is renamed in values-prod.yaml; the Secret's, text in the
	// template, is said with its line and not proposed
	got := c.reply(fmt.Sprintf("/rigel fix deploy/web -n %s", ns))
	mustContain(t, got, "🔧 Opened [#",
		"ConfigMap `web-confg`, which variable `LOG_LEVEL` of container `web` reads, does not exist in namespace `"+ns+"`. The manifest likely means ConfigMap `web-config`",
		"Secret `web-tsl`, which volume `tls` reads, does not exist in namespace `"+ns+"`. The manifest likely means Secret `web-tls`",
		"Rigel does not propose the rename `volume.tls.secret.secretName=web-tls` on chart `charts/web`: `charts/web/templates/web.yaml` line 27 writes `web-tsl` as text in the template, not from a values key; change that line to `web-tls` by hand.",
		"**Rule:** a reference to a ConfigMap, Secret or key that does not exist", "`env.LOG_LEVEL.configMapKeyRef.name=web-config (container web)`",
		"```diff", "-  name: web-confg   # the production settings", "+  name: web-config   # the production settings",
		"`charts/web/values-prod.yaml` sets values key `config.name`")
	mustNotContain(t, got, secretValue, "MIIEvQ", "info", "Opened [#2")
	pr := onePull(t, r)
	mustNotContain(t, pr.Body, secretValue, "MIIEvQ")
	mustContain(t, pr.Body, "Rigel does not propose the rename `volume.tls.secret.secretName=web-tls`")
	if file := branchFile(t, r, pr.Head, "charts/web/values-prod.yaml"); file != replace(t, chartRefValuesProd, "web-confg", "web-config") {
		t.Errorf("edited values-prod.yaml:\n%s", file)
	}
	if file := branchFile(t, r, pr.Head, "charts/web/templates/web.yaml"); file != chartRefFiles(ns)["charts/web/templates/web.yaml"] {
		t.Errorf("the template changed:\n%s", file)
	}

	t.Run("a reference not from one values key is said, with the values key, and nothing is proposed", func(t *testing.T) {
		api := corev1.PodSpec{Containers: []corev1.Container{{Name: "api", Image: "nginx:1.27", Env: configKeyEnv("web-config", "log_levle")}}}
		chartRefWorkload(t, ns, "api", dep, api, "couldn't find key log_levle in ConfigMap "+ns+"/web-config")
		bs := branches(t, r)
		got := c.reply(fmt.Sprintf("/rigel fix deploy/api -n %s", ns))
		mustContain(t, got, "🔍 Rigel found nothing it has a fix for on Deployment `api`", "**What Rigel saw:**",
			"ConfigMap `web-config` has no key `log_levle`, which variable `LOG_LEVEL` of container `api` reads; its keys are `log_level`, `workers`. The manifest likely means key `log_level`",
			"Rigel does not propose the rename `env.LOG_LEVEL.configMapKeyRef.key=log_level (container api)` on chart `charts/web`: `charts/web/templates/api.yaml` line 22 writes it as `key: {{ printf \"%s_levle\" .Values.logPrefix }}`, which is not one values key; it reads values key `logPrefix` (set in `charts/web/values.yaml`): change it by hand so that the reference reads `log_level`.",
			"Rigel has no fix to propose for this.", "Nothing was changed")
		mustNotContain(t, got, "Opened", "❌", "**Rule:**")
		if len(fixPulls(r)) != 1 || len(branches(t, r)) != len(bs) {
			t.Error("nothing was proposed, yet a branch or PR was made")
		}
	})
	noPullViolations(t)
}
