package config

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/gitsrc"
)

// TestLoadReportsCloneURLsOffTheGitHost: a registry entry whose clone URL is not on the git
// host is reported when read, naming the repository and what to fix; the registry still
// loads, with the other repositories as they are.
func TestLoadReportsCloneURLsOffTheGitHost(t *testing.T) {
	ctx, cs, ns := testCtx(t), newClient(t), newNamespace(t)
	repos := "- repo: acme/evil\n  branch: main\n  cloneURL: http://127.0.0.1:9/acme/evil.git\n  deployments: []\n" +
		"- repo: acme/good\n  branch: main\n  cloneURL: https://github.com/acme/good.git\n  deployments: []\n" +
		"- repo: acme/asks\n  branch: main\n  deployments: []\n"
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: SourcesConfigMap}, Data: map[string]string{"version": "2", "repos.yaml": repos},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	host, err := gitsrc.ParseHost("https://github.com/")
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(cs, ns)
	reg.SetGitHost(host)
	var logs bytes.Buffer
	src, err := reg.Load(zerolog.New(&logs).WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Repos) != 3 {
		t.Fatalf("the registry lost repositories: %+v", src.Repos)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"registered_repo":"acme/evil"`) || !strings.Contains(lines[0], "fix cloneURL of acme/evil") {
		t.Fatalf("want one warning naming acme/evil and the fix, got:\n%s", logs.String())
	}
	for _, r := range src.Repos {
		if err := reg.CheckCloneURL(r); (err != nil) != (r.Repo == "acme/evil") {
			t.Errorf("CheckCloneURL(%s) = %v", r.Repo, err)
		}
	}
}
