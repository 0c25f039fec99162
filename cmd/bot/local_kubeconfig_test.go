package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// twoContexts writes a kubeconfig holding the test cluster's credentials under three
// contexts: a and b (the test cluster, with namespaces nsA and nsB) and dead (a closed
// loopback port), the current one.
func twoContexts(t *testing.T, nsA, nsB string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var clusterName, user string
	for _, c := range cfg.Contexts {
		clusterName, user = c.Cluster, c.AuthInfo
	}
	cfg.Clusters["dead"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1"}
	cfg.Contexts = map[string]*clientcmdapi.Context{
		"a":    {Cluster: clusterName, AuthInfo: user, Namespace: nsA},
		"b":    {Cluster: clusterName, AuthInfo: user, Namespace: nsB},
		"dead": {Cluster: "dead", AuthInfo: user},
	}
	cfg.CurrentContext = "dead"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestContextAndNamespace: --context chooses among the contexts of one kubeconfig (given by
// --kubeconfig or $KUBECONFIG), a namespace-less object goes to -n, else the context's
// namespace; -n with an object naming another namespace is an error and changes nothing;
// flags go before or after PATH.
func TestContextAndNamespace(t *testing.T) {
	nsA, nsB, nsN := "ctx-a", "ctx-b", "ctx-n"
	for _, ns := range []string{nsA, nsB, nsN} {
		if err := cluster.CreateNamespace(ns); err != nil {
			t.Fatal(err)
		}
	}
	kubeconfig := twoContexts(t, nsA, nsB)
	dir, write := newFolder(t, "")
	write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: \"1\"\n")
	other, writeOther := newFolder(t, "")
	writeOther("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: "+nsB+"\n")
	cs := kubernetes.NewForConfigOrDie(cluster.Config)

	steps := []struct {
		name   string
		env    string // $KUBECONFIG; "" means --kubeconfig
		args   []string
		code   int
		stdout string
		stderr string
		exists []string // namespaces holding ConfigMap web afterwards
	}{
		{"the current context is dead", "", []string{"diff", dir}, diffError, "", "127.0.0.1:1", nil},
		{"--context a, PATH last", "", []string{"apply", "--context", "a", dir}, applyHealthy, "+++ rigel/v1/ConfigMap/" + nsA + "/web", "1 to create", []string{nsA}},
		{"--context a, PATH first", "", []string{"diff", dir, "--context", "a"}, diffNoChanges, "", "1 unchanged", []string{nsA}},
		{"--context b: its namespace", "", []string{"diff", dir, "--context=b", "-q"}, diffChanges, "", "1 to create", []string{nsA}},
		{"$KUBECONFIG, --context b", kubeconfig, []string{"apply", dir, "--context", "b"}, applyHealthy, "", "1 to create", []string{nsA, nsB}},
		{"-n wins over the context's namespace", "", []string{"apply", "--context", "a", dir, "-n", nsN}, applyHealthy, "+++ rigel/v1/ConfigMap/" + nsN + "/web", "1 to create", []string{nsA, nsB, nsN}},
		{"--namespace=", "", []string{"diff", "--namespace=" + nsN, "--context", "a", dir}, diffNoChanges, "", "1 unchanged", []string{nsA, nsB, nsN}},
		{"-n, an object naming another namespace: diff", "", []string{"diff", other, "--context", "a", "-n", nsN}, diffError, "",
			`Error: failed to diff web: the namespace from the provided object ConfigMap/` + nsB + `/web (web/cm.yaml), "` + nsB + `", does not match the namespace "` + nsN + `": pass -n ` + nsB, nil},
		{"-n, an object naming another namespace: apply", "", []string{"apply", "-n", nsA, "--context", "b", other}, applyError, "", `does not match the namespace "` + nsA + `"`, []string{nsA, nsB, nsN}},
		{"no -n, an object naming its namespace", "", []string{"diff", "--context", "a", other}, diffChanges, "+++ rigel/v1/ConfigMap/" + nsB + "/web", "0 to create, 1 to change", nil},
		{"an unknown context", "", []string{"diff", "--context", "nope", dir}, diffError, "", `context was not found for specified context: nope`, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			args := st.args
			t.Setenv("KUBECONFIG", st.env)
			if st.env == "" {
				args = append(args, "--kubeconfig", kubeconfig)
			}
			var out bytes.Buffer
			code, errOut := rigel(t, &out, args...)
			if code != st.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, st.code, errOut)
			}
			if !strings.Contains(out.String(), st.stdout) || !strings.Contains(errOut, st.stderr) {
				t.Errorf("stdout lacks %q or stderr lacks %q:\n%s\n%s", st.stdout, st.stderr, out.String(), errOut)
			}
			if st.exists == nil {
				return
			}
			want := map[string]bool{}
			for _, ns := range st.exists {
				want[ns] = true
			}
			for _, ns := range []string{nsA, nsB, nsN} {
				_, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), "web", metav1.GetOptions{})
				if got := err == nil; got != want[ns] {
					t.Errorf("ConfigMap %s/web exists: %v, want %v", ns, got, want[ns])
				}
			}
		})
	}
}
