package fix

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/model"
	rsync "github.com/rigel-gitops/rigel/sync"
)

func modelAnswer(kind, name, ns string, edits ...model.Edit) *model.Answer {
	return &model.Answer{Workload: model.Target{Kind: kind, Name: name, Namespace: ns}, Edits: edits}
}

func TestModelEdits(t *testing.T) {
	w := dep("shop", "web")
	for _, tc := range []struct {
		name    string
		a       *model.Answer
		want    string // the edits, as people read them
		wantErr string
	}{
		{"memory", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "memory", Value: "512Mi"}), "memory=512Mi", ""},
		{"kind in lower case", modelAnswer("deployment", "web", "shop", model.Edit{Field: "image", Value: "nginx:1.27", Container: "app"}, model.Edit{Field: "env", Key: "LOG_LEVEL", Value: "debug"}), "image=nginx:1.27 (container app), env.LOG_LEVEL=debug", ""},
		{"no edits", modelAnswer("Deployment", "web", "shop"), "", ""},
		{"another document", modelAnswer("Deployment", "db", "shop", model.Edit{Field: "memory", Value: "1Gi"}), "", "another document"},
		{"another namespace", modelAnswer("Deployment", "web", "kube-system", model.Edit{Field: "memory", Value: "1Gi"}), "", "another document"},
		{"another kind", modelAnswer("StatefulSet", "web", "shop", model.Edit{Field: "memory", Value: "1Gi"}), "", "another document"},
		{"probe", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "probe", Key: "liveness", Value: "8080"}), "", "not one of"},
		{"command", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "command", Value: "sh"}), "", "not one of"},
		{"bad quantity", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "memory", Value: "lots"}), "", "not a quantity"},
		{"bad image", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "image", Value: "Nginx Latest"}), "", "no spaces"},
		{"key on memory", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "memory", Key: "x", Value: "1Gi"}), "", "only env edits"},
		{"replicas of a container", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "replicas", Value: "3", Container: "app"}), "", "replicas are the workload's"},
		{"twice", modelAnswer("Deployment", "web", "shop", model.Edit{Field: "cpu", Value: "1"}, model.Edit{Field: "cpu", Value: "2"}), "", "twice"},
		{"hostile name", modelAnswer("Deployment", "web`<img src=x>", "shop", model.Edit{Field: "cpu", Value: "1"}), "", "another document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ModelEdits(w, tc.a)
			if tc.wantErr != "" {
				var inv *fault.Invalid
				if !errors.As(err, &inv) || !strings.Contains(inv.Msg, tc.wantErr) {
					t.Fatalf("err = %v, want a *fault.Invalid with %q", err, tc.wantErr)
				}
				if strings.Contains(inv.Msg, "web`<img") {
					t.Errorf("the model's text is not escaped: %s", inv.Msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, e := range got {
				s = append(s, e.String())
			}
			if strings.Join(s, ", ") != tc.want {
				t.Errorf("edits = %q, want %q", strings.Join(s, ", "), tc.want)
			}
		})
	}
}

func TestWorkloadManifest(t *testing.T) {
	fsys := fstest.MapFS{
		"app/web.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env:
        - {name: LOG_LEVEL, value: debug}
        - {name: DB_PASSWORD, value: hunter2-in-git}
        - name: API_TOKEN
          valueFrom: {secretKeyRef: {name: web-secrets, key: token}}
`)},
		"app/secret.yaml": {Data: []byte(`apiVersion: v1
kind: Secret
metadata: {name: web-secrets, namespace: shop}
stringData: {token: s3cr3t-from-git}
`)},
	}
	got, err := WorkloadManifest(fsys, "app", dep("shop", "web"), rsync.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: Deployment", "LOG_LEVEL", "value: debug", "DB_PASSWORD", "value: '***'", "name: web-secrets", "key: token"} {
		if !strings.Contains(got, want) {
			t.Errorf("manifest lacks %q:\n%s", want, got)
		}
	}
	for _, secret := range []string{"hunter2-in-git", "s3cr3t-from-git", "kind: Secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("manifest holds %q:\n%s", secret, got)
		}
	}
	var pe *PlaceError
	if _, err := WorkloadManifest(fsys, "app", dep("shop", "db"), rsync.RenderOptions{}); !errors.As(err, &pe) {
		t.Errorf("a workload the folder lacks: err = %v, want a *PlaceError", err)
	}
}
