package config

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMigrateLegacy(t *testing.T) {
	t1 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		desc    string
		raw     string
		want    []Repo
		wantErr string
	}{
		{
			desc: "json list",
			raw: `[{"name":"Web App","repo":"acme/web","branch":"main","path":"./k8s/","lastSyncCommit":"abc","lastSyncTime":"2024-05-01T10:00:00Z","lastSyncStatus":"Succeeded"},
			       {"name":"api","repo":"https://github.com/acme/api.git","branch":"prod","path":"deploy"},
			       {"name":"web_admin","repo":"acme/web","branch":"main","path":"admin"}]`,
			want: []Repo{
				{Repo: "acme/web", Branch: "main", Deployments: []Deployment{
					{Name: "web-app", Path: "k8s", LastSync: &LastSync{Commit: "abc", Time: t1, Status: "Succeeded"}},
					{Name: "web-admin", Path: "admin"},
				}},
				{Repo: "acme/api", Branch: "prod", CloneURL: "https://github.com/acme/api.git", Deployments: []Deployment{{Name: "api", Path: "deploy"}}},
			},
		},
		{
			desc: "yaml single object",
			raw:  "name: web\nrepo: git@github.com:acme/web.git\nbranch: main\npath: /apps/web\nlastSyncTime: 1714557600\nlastSyncStatus: Failed\n",
			want: []Repo{{Repo: "acme/web", Branch: "main", Deployments: []Deployment{
				{Name: "web", Path: "apps/web", LastSync: &LastSync{Time: t1, Status: "Failed"}},
			}}},
		},
		{
			desc: "yaml list, duplicate names, unquoted timestamp, url with credentials",
			raw: "- name: web\n  repo: https://user:hunter2@github.com/acme/web\n  branch: main\n  path: a\n  lastSyncTime: 2024-05-01T10:00:00Z\n" +
				"- name: WEB\n  repo: acme/web\n  branch: dev\n  path: b\n",
			want: []Repo{{Repo: "acme/web", Branch: "main", CloneURL: "https://github.com/acme/web", Deployments: []Deployment{
				{Name: "web", Path: "a", LastSync: &LastSync{Time: t1}},
				{Name: "web-2", Path: "b"},
			}}},
		},
		{desc: "empty list", raw: "[]", want: []Repo{}},
		{desc: "no repo", raw: `[{"name":"web","path":"k8s"}]`, wantErr: "no repo"},
		{desc: "bad time", raw: `{"name":"web","repo":"acme/web","lastSyncTime":"yesterday"}`, wantErr: "not an RFC 3339 time"},
		{desc: "path leaves repo", raw: `{"name":"web","repo":"acme/web","path":"../x"}`, wantErr: "must not leave the repo"},
		{desc: "garbage", raw: `{"name": [`, wantErr: "failed to parse legacy key"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			s, err := migrateLegacy(context.Background(), tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Version != SchemaVersion || !reflect.DeepEqual(s.Repos, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", s.Repos, tt.want)
			}
			if enc, _ := encodeData(nil, s); strings.Contains(enc[keyRepos], "hunter2") {
				t.Fatalf("credentials of a legacy URL kept: %s", enc[keyRepos])
			}
		})
	}
}

// TestLegacyConfigMap migrates a real legacy ConfigMap: Load only reads; the first Update
// writes version 2 and drops the sources key.
func TestLegacyConfigMap(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	legacy := `[{"name":"Web App","repo":"acme/web","branch":"main","path":"k8s","lastSyncCommit":"0123456789abcdef0123456789abcdef01234567","lastSyncTime":"2024-05-01T10:00:00Z","lastSyncStatus":"Succeeded"},
{"name":"api","repo":"acme/api","branch":"main","path":"deploy"}]`
	created, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: SourcesConfigMap},
		Data:       map[string]string{"sources": legacy},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(cs, ns)
	s, err := reg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, d := s.FindDeployment("web-app")
	if r == nil || r.Repo != "acme/web" || d.Path != "k8s" || d.LastSync == nil || d.LastSync.Status != "Succeeded" ||
		d.LastSync.Commit != "0123456789abcdef0123456789abcdef01234567" {
		t.Fatalf("legacy source not migrated: %+v / %+v", r, d)
	}
	if after := getCM(t, cs, ns); after.ResourceVersion != created.ResourceVersion {
		t.Fatal("Load wrote the ConfigMap")
	}

	if _, err := reg.Update(ctx, func(s *Sources) error {
		return s.AddDeployment(Repo{Repo: "acme/api", Branch: "main"}, Deployment{Name: "api-canary", Path: "canary"})
	}); err != nil {
		t.Fatal(err)
	}
	cm := getCM(t, cs, ns)
	if _, ok := cm.Data["sources"]; ok {
		t.Fatalf("legacy key kept after the first Update: %v", cm.Data)
	}
	if cm.Data["version"] != "2" {
		t.Fatalf("version = %q", cm.Data["version"])
	}
	golden(t, "migrated-repos.yaml", cm.Data["repos.yaml"])
	s2, err := reg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web-app", "api", "api-canary"} {
		if r, _ := s2.FindDeployment(name); r == nil {
			t.Errorf("%s missing after migration", name)
		}
	}
}

// TestLegacyMigrationNoopUpdate: an Update that changes nothing still writes the migration.
func TestLegacyMigrationNoopUpdate(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: SourcesConfigMap},
		Data:       map[string]string{"sources": "name: web\nrepo: acme/web\nbranch: main\npath: k8s\n"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRegistry(cs, ns).Update(ctx, func(*Sources) error { return nil }); err != nil {
		t.Fatal(err)
	}
	cm := getCM(t, cs, ns)
	if _, ok := cm.Data["sources"]; ok || cm.Data["version"] != "2" || !strings.Contains(cm.Data["repos.yaml"], `"name":"web"`) {
		t.Fatalf("migration not written: %v", cm.Data)
	}
}
