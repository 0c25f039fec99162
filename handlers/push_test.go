package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// mergeForge is a Forge that records which merges it was asked about; nothing else is asked.
type mergeForge struct {
	ops.Forge
	asked []string // branch@sha
}

func (f *mergeForge) MergedPull(_ context.Context, _ ops.Repo, branch, sha string) (*ops.MergedPull, error) {
	f.asked = append(f.asked, branch+"@"+sha)
	return nil, nil // a direct push: nothing is applied
}

type mergeClients struct{ f *mergeForge }

func (c mergeClients) ForInstallation(int64) (ops.Forge, error) { return c.f, nil }

// pushEvent is a push body of acme/web.
func pushEvent(t *testing.T, ref, before, after string, deleted bool) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"ref": ref, "before": before, "after": after, "deleted": deleted, "created": false, "forced": false,
		"repository":   map[string]any{"id": 7, "name": "web", "full_name": "acme/web", "owner": map[string]any{"name": "acme", "login": "acme"}},
		"pusher":       map[string]any{"name": "alice"},
		"installation": map[string]any{"id": 4242},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPushAppliesOnMerge: a push to the registered branch asks which pull request it merged,
// once however often it is delivered; a tag, a deletion, another branch or a payload that
// does not decode asks nothing.
func TestPushAppliesOnMerge(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.SourcesConfigMap, Namespace: "rigel"},
		Data: map[string]string{"version": "2", "repos.yaml": "- {repo: acme/web, branch: main, deployments: [{name: web, path: apps/web, applyOn: merge}]}\n"}}
	svc := &ops.Service{Registry: config.NewRegistry(k8sfake.NewSimpleClientset(cm), "rigel")}
	forge := &mergeForge{}
	h := &Push{Deps: Deps{Runner: &commands.Runner{Ops: svc}, Clients: mergeClients{forge}, Seen: NewDeliveries(100)}}
	a, b, c := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)
	steps := []struct {
		name    string
		payload []byte
		asked   int
	}{
		{"undecodable", []byte("{"), 0},
		{"a tag", pushEvent(t, "refs/tags/v1", a, b, false), 0},
		{"a deletion", pushEvent(t, "refs/heads/main", a, zeroSHA, true), 0},
		{"another branch", pushEvent(t, "refs/heads/feature", a, b, false), 0},
		{"not a commit", pushEvent(t, "refs/heads/main", a, "../../etc/passwd", false), 0},
		{"the registered branch", pushEvent(t, "refs/heads/main", a, b, false), 1},
		{"the same push again, under a new delivery", pushEvent(t, "refs/heads/main", a, b, false), 1},
		{"the next push", pushEvent(t, "refs/heads/main", b, c, false), 2},
	}
	for i, s := range steps {
		if err := h.Handle(context.Background(), "push", "d-"+string(rune('a'+i)), s.payload); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(forge.asked) != s.asked {
			t.Fatalf("%s: asked %v, want %d questions", s.name, forge.asked, s.asked)
		}
	}
	if forge.asked[0] != "main@"+b || forge.asked[1] != "main@"+c {
		t.Errorf("asked %v", forge.asked)
	}
}
