package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/internal/testenv"
)

// Known secret strings seeded in the repository and the cluster: no request to the model may
// carry any of them.
const (
	modelKey         = "sk-e2e-modelkey-0123456789abcdef"
	gitLiteralSecret = "git-literal-hunter2-secret"
	gitSecretDoc     = "git-secret-doc-value-xyzzy"
	clusterSecret    = "cluster-secret-value-plugh"
	eventToken       = "ghp_e2eEventToken0123456789abcdefghij"
)

// modelDouble is a chat-completions API on 127.0.0.1: it validates each request's shape,
// keeps every body, and answers with answer.
type modelDouble struct {
	t      *testing.T
	mu     sync.Mutex
	bodies []string
	answer func(w http.ResponseWriter, r *http.Request)
}

func (m *modelDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	m.bodies = append(m.bodies, string(body))
	answer := m.answer
	m.mu.Unlock()
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string         `json:"name"`
				Strict bool           `json:"strict"`
				Schema map[string]any `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions":
		m.t.Errorf("model request %s %s", r.Method, r.URL.Path)
	case r.Header.Get("Authorization") != "Bearer "+modelKey:
		m.t.Errorf("model request without the key")
	case json.Unmarshal(body, &req) != nil || req.Model != "tiny-e2e" || len(req.Messages) != 2 || req.Messages[1].Role != "user":
		m.t.Errorf("model request is not a chat completion: %.200s", body)
	case req.ResponseFormat.Type != "json_schema" || !req.ResponseFormat.JSONSchema.Strict || req.ResponseFormat.JSONSchema.Schema["type"] != "object":
		m.t.Errorf("model request without the answer's schema: %+v", req.ResponseFormat)
	}
	answer(w, r)
}

func (m *modelDouble) set(f func(w http.ResponseWriter, r *http.Request)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answer = f
}

func answerWith(content string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}}})
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

func modelDeployYAML(ns string) string {
	return webYAML(ns, `        - name: web
          image: nginx:1.25
          env:
            - name: DB_PASSWORD
              value: `+gitLiteralSecret+`
            - name: API_TOKEN
              valueFrom:
                secretKeyRef: {name: web-secrets, key: token}
          resources:
            limits:
              memory: 128Mi # small
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secrets
  namespace: `+ns+`
stringData:
  token: `+gitSecretDoc+`
`)
}

// modelEnv is a bot with a model (a test double on 127.0.0.1), a repository with a
// Deployment registered, that Deployment in the cluster reading a Secret, and its two pods
// crash-looping with an event that carries secrets: the rules propose nothing for it.
type modelEnv struct {
	double   *modelDouble
	b        *bot
	r        repo
	c        *conversation
	ns, dep  string
	settings *config.Settings
}

func newModelEnv(t *testing.T) *modelEnv {
	t.Helper()
	double := &modelDouble{t: t}
	srv := httptest.NewServer(double) // 127.0.0.1
	t.Cleanup(srv.Close)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(modelKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var settings *config.Settings
	ns := unique("fixm-")
	if err := cluster.CreateNamespace(ns); err != nil {
		t.Fatal(err)
	}
	b := startBotWith(t, func(s *config.Settings) {
		s.ModelURL, s.ModelName, s.ModelKeyFile, s.ModelTimeout = srv.URL+"/v1", "tiny-e2e", keyFile, 700*time.Millisecond
		settings = s
	})
	r := newRepo(t, map[string]string{"apps/web/k8s/deploy.yaml": modelDeployYAML(ns)})
	c := b.issue(r)
	dep := unique("web")
	mustContain(t, c.reply(fmt.Sprintf("/rigel add-deployment apps/web/k8s --name %s", dep)), "Registered deployment")
	ctx := context.Background()
	if _, err := kc.Typed.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "web-secrets", Namespace: ns},
		StringData: map[string]string{"token": clusterSecret}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	replicas, labels := int32(2), map[string]string{"app": "web"}
	container := corev1.Container{Name: "web", Image: "nginx:1.25", Env: []corev1.EnvVar{{Name: "API_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "web-secrets"}, Key: "token"}}}}}
	if _, err := kc.Typed.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, Annotations: map[string]string{annRepo: dep, annPath: "apps/web/k8s"}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{container}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := runPods(t, ns, "web-crash", container, 2, func(int) corev1.ContainerStatus {
		s := testenv.ContainerWaiting("web", "nginx:1.25", "CrashLoopBackOff", "back-off 5m0s restarting failed container=web")
		s.RestartCount = 7
		s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 3}
		return s
	})
	if err := testenv.KubeletEvent(ctx, kc.Typed, pods[0], "web", corev1.EventTypeWarning, "BackOff",
		"Back-off restarting failed container web; env API_TOKEN="+clusterSecret+" token "+eventToken, 7); err != nil {
		t.Fatal(err)
	}
	return &modelEnv{double: double, b: b, r: r, c: c, ns: ns, dep: dep, settings: settings}
}

// noSecretSent checks every request the model was sent: the manifest and the events are in
// it, no secret is.
func (e *modelEnv) noSecretSent(t *testing.T) {
	t.Helper()
	secrets := []string{modelKey, gitLiteralSecret, gitSecretDoc, clusterSecret, eventToken, "ghp_"}
	if e.settings.WebhookSecret != "" {
		secrets = append(secrets, e.settings.WebhookSecret)
	}
	e.double.mu.Lock()
	defer e.double.mu.Unlock()
	for i, body := range e.double.bodies {
		mustContain(t, body, "nginx:1.25", "DB_PASSWORD", "web-secrets", "CrashLoopBackOff", "BackOff")
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("request %d to the model carries the secret %q", i, s)
			}
		}
	}
}

// TestFixAsksTheModel: with a model configured, a workload the rules have no fix for is sent
// to the model (a test double validating each request); a good answer becomes a verified PR
// saying the model proposed it; an answer for another document, garbage and a slow model get
// a clear reply; no request carries a Secret value, a token or a key.
func TestFixAsksTheModel(t *testing.T) {
	e := newModelEnv(t)
	double, r, c, ns := e.double, e.r, e.c, e.ns
	cmd := fmt.Sprintf("/rigel fix deploy/web -n %s", ns)

	t.Run("garbage", func(t *testing.T) {
		double.set(answerWith("Sure! Give it more memory."))
		got := c.reply(cmd)
		mustContain(t, got, "tiny-e2e", "malformed", "does not follow the schema")
		if len(fixPulls(r)) != 0 {
			t.Fatal("a PR was opened from garbage")
		}
	})
	t.Run("slow", func(t *testing.T) {
		n := len(double.bodies)
		double.set(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		got := c.reply(cmd)
		mustContain(t, got, "tiny-e2e", "timeout", "no answer within")
		if sent := len(double.bodies) - n; sent != 2 {
			t.Errorf("%d requests to a slow model, want 2 (one retry)", sent)
		}
		if len(fixPulls(r)) != 0 {
			t.Fatal("a PR was opened without an answer")
		}
	})
	t.Run("another document", func(t *testing.T) {
		double.set(answerWith(`{"reasoning":"The database is too small.","findings":[],"workload":{"kind":"Deployment","name":"db","namespace":"` + ns + `"},"edits":[{"field":"memory","key":"","value":"1Gi","container":""}]}`))
		got := c.reply(cmd)
		mustContain(t, got, "tiny-e2e", "refuses", "another document")
		if len(fixPulls(r)) != 0 {
			t.Fatal("a PR was opened for another document")
		}
	})
	t.Run("a good answer", func(t *testing.T) {
		double.set(answerWith(`{"reasoning":"Exit code 3 after start with 128Mi: the JVM heap does not fit; give it 256Mi.","findings":["restarts 7 times with exit code 3"],"workload":{"kind":"Deployment","name":"web","namespace":"` + ns + `"},"edits":[{"field":"memory","key":"","value":"256Mi","container":""}]}`))
		n := len(double.bodies)
		got := c.reply(cmd + "\n\nweb keeps crashing since this morning; our token is ghp_abcdefghijklmnopqrstuvwxyz012345")
		mustContain(t, got, "🔧 Opened [#", "tiny-e2e", "`memory=256Mi", "```diff")
		if len(double.bodies) == n || !strings.Contains(double.bodies[len(double.bodies)-1], "keeps crashing since this morning") {
			t.Errorf("the person's words did not reach the model")
		}
		p := onePull(t, r)
		mustContain(t, p.Body, "## Diagnosis", "proposed by the model", "tiny-e2e", "the JVM heap does not fit", fmt.Sprintf("Closes #%d", c.number))
		want := replace(t, modelDeployYAML(ns), "memory: 128Mi # small", "memory: 256Mi # small")
		if file := branchFile(t, r, p.Head, "apps/web/k8s/deploy.yaml"); file != want {
			t.Errorf("edited file:\n%s\nwant:\n%s", file, want)
		}
	})

	if len(double.bodies) < 5 {
		t.Fatalf("%d requests to the model, want at least 5", len(double.bodies))
	}
	e.noSecretSent(t)
	noPullViolations(t)
}
