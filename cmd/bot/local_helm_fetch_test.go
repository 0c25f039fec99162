package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// TestLocalChartFetch: rigel diff fetches a chart's Chart.lock dependency as the bot does —
// only from a --helm-repository, trusting --helm-ca-file, with --helm-credentials-file's
// credentials for a private repository; flags that do not fit are errors.
func TestLocalChartFetch(t *testing.T) {
	ns := "local-chart-fetch"
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	common := testenv.ChartArchive{Name: "common", Version: "1.2.3", Files: map[string]string{
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-common\ndata:\n  from: repository\n",
	}}
	public := testenv.NewChartRepo(t, common)
	private := testenv.NewChartRepo(t, common)
	private.RequireBasic("deployer", "l0cal-Pa55")
	root := t.TempDir()
	files := map[string]string{"web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\n"}
	for dir, repo := range map[string]*testenv.ChartRepo{"web": public, "private": private} {
		files[dir+"/Chart.yaml"], files[dir+"/Chart.lock"] = testenv.LockedChart(t, "web", []*chart.Dependency{{Name: "common", Version: "~1.2.0", Repository: repo.URL}}, map[string]string{"common": "1.2.3"})
		files[dir+"/templates/cm.yaml"] = files["web/templates/cm.yaml"]
	}
	writeTree(t, root, files)
	ca := filepath.Join(root, "ca.pem")
	creds := filepath.Join(root, "config.json")
	auth := base64.StdEncoding.EncodeToString([]byte("deployer:l0cal-Pa55"))
	if err := os.WriteFile(ca, public.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte(`{"auths": {"`+strings.TrimPrefix(private.Server.URL, "https://")+`": {"auth": "`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	web, priv := filepath.Join(root, "web"), filepath.Join(root, "private")
	steps := []struct {
		name, dir      string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"fetched from the repository given, trusting the CA file", web, []string{"-n", ns, "--helm-repository", public.URL, "--helm-ca-file", ca}, diffChanges,
			[]string{"ConfigMap/" + ns + "/web-common", "+  from: repository"}, []string{"2 to create"}},
		{"no repository given: refused", web, []string{"-n", ns}, diffError, nil, []string{"not on its allowlist"}},
		{"no CA file: not trusted", web, []string{"-n", ns, "--helm-repository", public.URL}, diffError, nil, []string{"certificate signed by unknown authority"}},
		{"a private repository with credentials", priv, []string{"-n", ns, "--helm-repository", private.URL, "--helm-ca-file", ca, "--helm-credentials-file", creds}, diffChanges,
			[]string{"ConfigMap/" + ns + "/private-common"}, nil},
		{"a private repository without", priv, []string{"-n", ns, "--helm-repository", private.URL, "--helm-ca-file", ca}, diffError, nil, []string{"it wants credentials"}},
		{"a CA file without a repository", web, []string{"-n", ns, "--helm-ca-file", ca}, diffError, nil, []string{"add --helm-repository URL"}},
		{"an http repository", web, []string{"-n", ns, "--helm-repository", "http://charts.example.com"}, diffError, nil, []string{`--helm-repository "http://charts.example.com" is neither an https chart repository URL nor an oci:// prefix`}},
		{"a CA file that is not one", web, []string{"-n", ns, "--helm-repository", public.URL, "--helm-ca-file", creds}, diffError, nil, []string{"--helm-ca-file: RIGEL_HELM_CA_FILE", "holds no PEM certificate"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			out, errOut := checkLocalRun(t, "diff", st.dir, st.args, st.code, st.stdout, st.stderr)
			if strings.Contains(out+errOut, "l0cal-Pa55") || strings.Contains(out+errOut, auth) {
				t.Error("the output shows the credentials")
			}
		})
	}
}

// checkLocalRun runs `rigel VERB … DIR` (runLocal), fails unless it exits with code and its
// stdout and stderr hold each of stdout and stderr, and returns them.
func checkLocalRun(t *testing.T, verb, dir string, args []string, code int, stdout, stderr []string) (string, string) {
	t.Helper()
	var out bytes.Buffer
	got, errOut := runLocal(t, verb, dir, args, &out)
	if got != code {
		t.Fatalf("exit %d, want %d; stderr: %s\nstdout: %s", got, code, errOut, out.String())
	}
	for _, w := range stdout {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	for _, w := range stderr {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	return out.String(), errOut
}
