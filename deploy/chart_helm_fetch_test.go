package deploy

import (
	"path"
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
