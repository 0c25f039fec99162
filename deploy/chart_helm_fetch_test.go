package deploy

import (
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Private and internal chart sources (issue 13): settings.helmCAConfigMap and
// settings.helmCredentialsSecret mount the ConfigMap's ca.crt and the dockerconfigjson
// Secret's .dockerconfigjson read-only, and point RIGEL_HELM_CA_FILE and
// RIGEL_HELM_CREDENTIALS_FILE at the files mounted; unset, nothing is mounted.
func TestChartMountsHelmFetchFiles(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]any
		want     map[string]string // env -> the volume's source name, "" absent
	}{
		{"none", map[string]any{}, map[string]string{"RIGEL_HELM_CA_FILE": "", "RIGEL_HELM_CREDENTIALS_FILE": ""}},
		{"both", map[string]any{"helmRepositories": []any{"https://charts.example.com"}, "helmCAConfigMap": "internal-ca", "helmCredentialsSecret": "helm-creds"},
			map[string]string{"RIGEL_HELM_CA_FILE": "internal-ca", "RIGEL_HELM_CREDENTIALS_FILE": "helm-creds"}},
		{"the CA only", map[string]any{"helmRepositories": []any{"https://charts.example.com"}, "helmCAConfigMap": "internal-ca"},
			map[string]string{"RIGEL_HELM_CA_FILE": "internal-ca", "RIGEL_HELM_CREDENTIALS_FILE": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := renderChart(t, rigelNS, map[string]any{"settings": tt.settings})
			env := chartEnv(t, objs, rigelNS)
			var d appsv1.Deployment
			convert(t, find(t, objs, "Deployment", rigelNS, "rigel"), &d)
			checkDeploymentHardening(t, &d)
			c := d.Spec.Template.Spec.Containers[0]
			volumes := map[string]corev1.Volume{}
			for _, v := range d.Spec.Template.Spec.Volumes {
				volumes[v.Name] = v
			}
			for name, source := range tt.want {
				file, set := env[name]
				if source == "" {
					if set {
						t.Errorf("%s = %q, want it unset", name, file)
					}
					continue
				}
				var mount *corev1.VolumeMount
				for i, m := range c.VolumeMounts {
					if m.MountPath == path.Dir(file) {
						mount = &c.VolumeMounts[i]
					}
				}
				if mount == nil || !mount.ReadOnly {
					t.Fatalf("%s = %q: no read-only mount of its folder in %+v", name, file, c.VolumeMounts)
				}
				v := volumes[mount.Name]
				var items []corev1.KeyToPath
				switch {
				case v.ConfigMap != nil && v.ConfigMap.Name == source:
					items = v.ConfigMap.Items
				case v.Secret != nil && v.Secret.SecretName == source:
					items = v.Secret.Items
				default:
					t.Fatalf("volume %s = %+v, want %s mounted", mount.Name, v, source)
				}
				wantKey := map[string]string{"RIGEL_HELM_CA_FILE": "ca.crt", "RIGEL_HELM_CREDENTIALS_FILE": ".dockerconfigjson"}[name]
				if len(items) != 1 || items[0].Key != wantKey || items[0].Path != path.Base(file) {
					t.Errorf("volume %s items %+v, want key %s at %s", mount.Name, items, wantKey, path.Base(file))
				}
			}
		})
	}
}

// The kustomize patch docs/install.md gives ("Private chart repositories") builds on deploy/
// and mounts and sets what the chart does with the same names.
func TestKustomizeHelmFetchPatchMatchesChart(t *testing.T) {
	doc, err := os.ReadFile("../docs/install.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "With kustomize, patch the Deployment in an overlay:\n\n```yaml\n")
	block, _, ok2 := strings.Cut(after, "```\n")
	if !ok || !ok2 {
		t.Fatal("docs/install.md has no kustomize patch for private chart repositories")
	}
	top, err := os.MkdirTemp("..", ".helmfetch-test-") // two levels below the repository: ../../deploy resolves
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	dir := filepath.Join(top, "overlay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	var kd, hd appsv1.Deployment
	convert(t, find(t, render(t, dir), "Deployment", rigelNS, "rigel"), &kd)
	convert(t, find(t, renderChart(t, rigelNS, map[string]any{"settings": map[string]any{
		"helmRepositories": []any{"https://charts.example.com/private", "oci://registry.example.com/charts"},
		"helmCAConfigMap":  "internal-ca", "helmCredentialsSecret": "helm-creds",
	}}), "Deployment", rigelNS, "rigel"), &hd)
	pick := func(d *appsv1.Deployment) (env map[string]string, mounts []corev1.VolumeMount, vols []corev1.Volume) {
		env = map[string]string{}
		c := d.Spec.Template.Spec.Containers[0]
		for _, e := range c.Env {
			if strings.HasPrefix(e.Name, "RIGEL_HELM_") {
				env[e.Name] = e.Value
			}
		}
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(m.Name, "helm-") {
				mounts = append(mounts, m)
			}
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if strings.HasPrefix(v.Name, "helm-") {
				vols = append(vols, v)
			}
		}
		return env, mounts, vols
	}
	ke, km, kv := pick(&kd)
	he, hm, hv := pick(&hd)
	if len(ke) != 3 || !reflect.DeepEqual(ke, he) {
		t.Errorf("env: kustomize %v, chart %v", ke, he)
	}
	if len(km) != 2 || !reflect.DeepEqual(km, hm) {
		t.Errorf("mounts: kustomize %+v, chart %+v", km, hm)
	}
	if len(kv) != 2 || !reflect.DeepEqual(kv, hv) {
		t.Errorf("volumes: kustomize %+v, chart %+v", kv, hv)
	}
}
