package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// TestPlanJSONWaves: the JSON of a preview carries each object's wave (none for a Namespace,
// applied before the waves) and the plan's waves in order, and what each object's Argo CD
// options honour, how it is applied, and what is not honoured; the JSON of an apply carries
// each outcome's wave and where it stopped.
func TestPlanJSONWaves(t *testing.T) {
	ns := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "Namespace", Name: "shop"}, Action: sync.ActionCreate}
	db := sync.Change{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "StatefulSet", Namespace: "shop", Name: "db"}, Action: sync.ActionCreate, Wave: -1,
		Argo: &sync.ArgoOptions{NoPrune: true, IgnoreExtraneous: true}}
	web := sync.Change{Ref: sync.Ref{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "shop", Name: "web"}, Action: sync.ActionUpdate, Wave: 2,
		Argo: &sync.ArgoOptions{Replace: true, Force: true, Unknown: []string{"argocd.argoproj.io/sync-options: Validate=false"}}}
	cm := sync.Change{Ref: sync.Ref{Version: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "cfg"}, Action: sync.ActionUnchanged,
		Argo: &sync.ArgoOptions{Replace: true, ServerSideApply: true}}
	p := &sync.Plan{Deployment: "web", Path: "apps/web", Commit: "c1", Digest: "d1", Changes: []sync.Change{web, ns, cm, db}}
	js, err := json.Marshal(planOut(config.Repo{Repo: "acme/web", Branch: "main"}, p))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"waves":[-1,0,2]`,
		`"kind":"Deployment","namespace":"shop","name":"web","action":"update","wave":2,"syncOptions":{"honoured":["Replace=true","Force=true"],"applyAs":"delete-and-create","notHonoured":["argocd.argoproj.io/sync-options: Validate=false"]}}`,
		`"kind":"Namespace","name":"shop","action":"create"}`,
		`"name":"cfg","action":"unchanged","wave":0,"syncOptions":{"honoured":["Replace=true","ServerSideApply=true"],"applyAs":"replace"}}`,
		`"name":"db","action":"create","wave":-1,"syncOptions":{"honoured":["Prune=false"],"compare":["IgnoreExtraneous"]}}`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("missing %s in\n%s", want, js)
		}
	}
	res := &sync.Result{Status: sync.StatusFailed, Stopped: "stopped at wave -1: wave -1 did not become healthy within 2s; waves 0, 2 not applied", StoppedWave: -1,
		Objects: []sync.ObjectResult{{Ref: web.Ref, Action: sync.ActionError, Message: "not applied (wave 2): wave -1 did not become healthy within 2s"},
			{Ref: ns.Ref, Action: sync.ActionCreate}, {Ref: cm.Ref, Action: sync.ActionError}, {Ref: db.Ref, Action: sync.ActionCreate, Health: "InProgress"}}}
	js, err = json.Marshal(appliedOut(config.Repo{Repo: "acme/web"}, &ops.Applied{Plan: p, Result: res}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"name":"web","action":"error","message":"not applied (wave 2): wave -1 did not become healthy within 2s","wave":2}`,
		`"kind":"Namespace","name":"shop","action":"create"}`,
		`"name":"db","action":"create","health":"InProgress","wave":-1}`,
		`"stopped":{"wave":-1,"notApplied":[0,2],"reason":"stopped at wave -1: wave -1 did not become healthy within 2s; waves 0, 2 not applied"}`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("missing %s in\n%s", want, js)
		}
	}
	res.Stopped = ""
	if js, _ := json.Marshal(appliedOut(config.Repo{Repo: "acme/web"}, &ops.Applied{Plan: p, Result: res})); strings.Contains(string(js), `"stopped"`) {
		t.Errorf("an apply that did not stop says stopped: %s", js)
	}
}
