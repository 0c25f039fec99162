package fix

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rigel-gitops/rigel/kube"
)

// recordedState reads a workload's state recorded as JSON in testdata/diagnose: pods and
// events as the apiserver serves them, and what kube.WorkloadState reads besides (logs,
// nodes, the namespace's configuration).
func recordedState(t *testing.T, name string) *kube.WorkloadState {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "diagnose", name))
	if err != nil {
		t.Fatal(err)
	}
	var st kube.WorkloadState
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &st
}

// TestDiagnoseRecordedRules: each rule over a recorded failure says what it saw and proposes
// exactly its edit, or none.
func TestDiagnoseRecordedRules(t *testing.T) {
	tests := []struct {
		file  string
		edits []Edit
		rule  string
		want  []string // in the findings' Markdown
		not   []string
	}{
		{"crashloop.json", nil, "", []string{
			"Container `app` is crash-looping (its runs fail and it restarts) in 2 of 2 pods (12 restarts in all); its last run in pod `checkout-7d9c8-abcde` exited with code 1 (Error)",
			"The last lines of that run's logs (pod `checkout-7d9c8-abcde`, at most 20 lines; Secret values masked):\n\n  ```text\n  2026-11-30T08:01:01Z INFO starting checkout 2.4.1\n",
			"  panic: no database\n  ```",
			"Rigel has no fix to propose for this.",
		}, []string{"OOMKilled"}},
		{"missing-key.json", []Edit{{Field: FieldRef, Key: "env.LOG_LEVEL.configMapKeyRef.key", Value: "log_level", Container: "app"}}, RuleTypo, []string{
			"ConfigMap `web-config` has no key `log_levle`, which variable `LOG_LEVEL` of container `app` reads; its keys are `log_level`, `workers`. The manifest likely means key `log_level` (the only one a letter or two away).",
			"Secret `web-tsl`, which volume `tls` reads, does not exist in namespace `shop`.",
		}, []string{"web-feature-flags", "web-api", "likely means Secret"}},
		{"insufficient.json", []Edit{{Field: FieldMemory, Value: "31253Mi", Container: "es"}}, RuleRoom, []string{
			"Container `es` asks for `64Gi` of memory, more than any node can give: the largest allocatable is `32003424Ki` (node `node-b`)",
			"0/3 nodes are available: 3 Insufficient memory.",
			"Rigel proposes `31253Mi`, the largest allocatable rounded down.",
		}, []string{"exporter", "cpu"}},
		{"tag-missing.json", []Edit{{Field: FieldImage, Value: "ghcr.io/acme/web:2.4.9", Container: "app"}}, RuleTag, []string{
			"Container `app` cannot pull image `ghcr.io/acme/web:2.5.0`",
			"Its tag `2.5.0` does not exist in the image's registry. The last image that ran is `ghcr.io/acme/web:2.4.9` (ReplicaSet `web-old`, revision 7, 1 pod ready): Rigel proposes going back to it.",
		}, nil},
		{"readiness-404.json", nil, "", []string{
			"The readiness probe of container `api` failed 40 times because path `/healthz` on port `http` answers 404 Not Found",
			"Rigel cannot tell the right path, so it proposes no edit",
		}, []string{"Rigel recognises"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d := diagnose(recordedState(t, tt.file))
			var md []string
			for _, f := range d.Findings {
				md = append(md, f.Markdown())
			}
			all := strings.Join(md, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("findings lack %q:\n%s", w, all)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(all, n) {
					t.Errorf("findings hold %q:\n%s", n, all)
				}
			}
			if !reflect.DeepEqual(d.Edits, tt.edits) || d.Rule != tt.rule {
				t.Errorf("edits %+v rule %q, want %+v %q", d.Edits, d.Rule, tt.edits, tt.rule)
			}
		})
	}
}

func TestTypoOf(t *testing.T) {
	tests := []struct {
		typed      string
		candidates []string
		want       string
	}{
		{"log_levle", []string{"log_level", "workers"}, "log_level"},
		{"web-confg", []string{"web-config"}, "web-config"},
		{"web-tsl", []string{"web-tls", "web-tlsx"}, ""}, // two a letter or two away: none
		{"db", []string{"cache"}, ""},                    // too far
		{"same", []string{"same"}, ""},                   // not a typo
		{"abc", []string{"abcdef"}, ""},                  // three letters more
	}
	for _, tt := range tests {
		if got := typoOf(tt.typed, tt.candidates); got != tt.want {
			t.Errorf("typoOf(%q, %q) = %q, want %q", tt.typed, tt.candidates, got, tt.want)
		}
	}
}

func TestTagMissing(t *testing.T) {
	tests := []struct {
		image, message string
		tag            string
	}{
		{"ghcr.io/acme/web:2.5.0", "manifest for ghcr.io/acme/web:2.5.0 not found: manifest unknown: manifest unknown", "2.5.0"},
		{"nginx:1.255", `failed to pull and unpack image "docker.io/library/nginx:1.255": failed to resolve reference "docker.io/library/nginx:1.255": docker.io/library/nginx:1.255: not found`, "1.255"},
		{"ghcr.io/acme/private:1", `failed to resolve reference "ghcr.io/acme/private:1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope`, ""},
		{"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "manifest unknown", ""},
		{"nginx:1.27", "dial tcp: lookup registry-1.docker.io: i/o timeout", ""},
	}
	for _, tt := range tests {
		if got, ok := tagMissing(tt.image, tt.message); got != tt.tag || ok != (tt.tag != "") {
			t.Errorf("tagMissing(%q) = %q, %v; want %q", tt.image, got, ok, tt.tag)
		}
	}
}

// TestPlanRef: a FieldRef edit renames exactly the reference it names, in an env variable's
// valueFrom or a volume, keeping the rest of the file.
func TestPlanRef(t *testing.T) {
	const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          env:
            - name: LOG_LEVEL
              valueFrom:
                configMapKeyRef: {name: web-config, key: log_levle} # the level
      volumes:
        - name: tls
          secret:
            secretName: web-tsl
`
	fsys := fstest.MapFS{"k8s/deploy.yaml": {Data: []byte(deploy)}}
	w := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	for _, tt := range []struct {
		edit     Edit
		old, new string
	}{
		{Edit{Field: FieldRef, Key: "env.LOG_LEVEL.configMapKeyRef.key", Value: "log_level"}, "key: log_levle}", "key: log_level}"},
		{Edit{Field: FieldRef, Key: "volume.tls.secret.secretName", Value: "web-tls"}, "secretName: web-tsl", "secretName: web-tls"},
	} {
		changes, err := Plan(fsys, "k8s", w, []Edit{tt.edit})
		if err != nil {
			t.Fatalf("%s: %v", tt.edit, err)
		}
		if len(changes) != 1 || string(changes[0].After) != strings.Replace(deploy, tt.old, tt.new, 1) {
			t.Errorf("%s: changes %+v", tt.edit, changes)
		}
	}
	for _, bad := range []Edit{
		{Field: FieldRef, Key: "env.NOPE.configMapKeyRef.key", Value: "x"},
		{Field: FieldRef, Key: "volume.tls.configMap.name", Value: "x"},
		{Field: FieldRef, Key: "env.LOG_LEVEL.configMapKeyRef.key", Value: "bad key!"},
	} {
		if _, err := Plan(fsys, "k8s", w, []Edit{bad}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestDiagnoseRoomFits: when every request fits some node, or no node reports its allocatable,
// Rigel says so and lowers nothing.
func TestDiagnoseRoomFits(t *testing.T) {
	for _, tt := range []struct {
		name  string
		nodes []kube.NodeRoom
		want  string
	}{
		{"fits a node", []kube.NodeRoom{{Name: "huge", Allocatable: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Gi")}}},
			"each container's request fits the allocatable of a node: the nodes are taken by other pods"},
		{"no node reports", nil, "Rigel sees no node that reports its allocatable cpu and memory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := recordedState(t, "insufficient.json")
			st.Nodes = tt.nodes
			d := diagnose(st)
			var md []string
			for _, f := range d.Findings {
				md = append(md, f.Markdown())
			}
			if all := strings.Join(md, "\n"); !strings.Contains(all, tt.want) || len(d.Edits) != 0 {
				t.Errorf("edits %+v, findings:\n%s\nwant %q", d.Edits, all, tt.want)
			}
		})
	}
}
