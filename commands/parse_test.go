package commands

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Command
		errs int
	}{
		{"one command", "/rigel diff web", []Command{{Line: "/rigel diff web", Verb: "diff", Args: []string{"web"}, Flags: map[string]string{}}}, 0},
		{"case and spaces", "  /Rigel   SYNC  web  api ", []Command{{Line: "/Rigel   SYNC  web  api", Verb: "sync", Args: []string{"web", "api"}, Flags: map[string]string{}}}, 0},
		{"flags with and without =", "/rigel add-deployment apps/x --name=x\n/rigel diff --all", []Command{
			{Line: "/rigel add-deployment apps/x --name=x", Verb: "add-deployment", Args: []string{"apps/x"}, Flags: map[string]string{"name": "x"}},
			{Line: "/rigel diff --all", Verb: "diff", Flags: map[string]string{"all": "true"}},
		}, 0},
		{"flag value after space", "/rigel add-deployment apps/x --name web", []Command{{Line: "/rigel add-deployment apps/x --name web", Verb: "add-deployment", Args: []string{"apps/x"}, Flags: map[string]string{"name": "web"}}}, 0},
		{"prose around and a fenced command", "Please:\n/rigel list\n```\n/rigel apply\n```\n> /rigel apply\nthanks", []Command{{Line: "/rigel list", Verb: "list", Flags: map[string]string{}}}, 0},
		{"not our prefix", "/rigelx diff\n/other diff\nsee /rigel diff", nil, 0},
		{"bare prefix", "/rigel", []Command{{Line: "/rigel", Flags: map[string]string{}}}, 0},
		{"quoted word", `/rigel add-deployment "apps/my app"`, []Command{{Line: `/rigel add-deployment "apps/my app"`, Verb: "add-deployment", Args: []string{"apps/my app"}, Flags: map[string]string{}}}, 0},
		{"open quote", `/rigel add-deployment "apps`, []Command{{Line: `/rigel add-deployment "apps`, Verb: "\x00error"}}, 1},
		{"flag without value", "/rigel add-deployment x --name", []Command{{Line: "/rigel add-deployment x --name", Verb: "\x00error"}}, 1},
		{"-n is --namespace", "/rigel link deploy/web -n shop web", []Command{{Line: "/rigel link deploy/web -n shop web", Verb: "link", Args: []string{"deploy/web", "web"}, Flags: map[string]string{"namespace": "shop"}}}, 0},
		{"-n= and --namespace", "/rigel unlink sts/db -n=data\n/rigel link ds/agent --namespace ops agent --force", []Command{
			{Line: "/rigel unlink sts/db -n=data", Verb: "unlink", Args: []string{"sts/db"}, Flags: map[string]string{"namespace": "data"}},
			{Line: "/rigel link ds/agent --namespace ops agent --force", Verb: "link", Args: []string{"ds/agent", "agent"}, Flags: map[string]string{"namespace": "ops", "force": "true"}},
		}, 0},
		{"other single-dash words stay arguments", "/rigel diff -x -", []Command{{Line: "/rigel diff -x -", Verb: "diff", Args: []string{"-x", "-"}, Flags: map[string]string{}}}, 0},
		{"-n without value", "/rigel unlink deploy/web -n", []Command{{Line: "/rigel unlink deploy/web -n", Verb: "\x00error"}}, 1},
		{"windows line ends", "/rigel list\r\n/rigel help\r\n", []Command{{Line: "/rigel list", Verb: "list", Flags: map[string]string{}}, {Line: "/rigel help", Verb: "help", Flags: map[string]string{}}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := Parse(tc.body)
			if len(errs) != tc.errs {
				t.Fatalf("errors = %v, want %d", errs, tc.errs)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) =\n%#v\nwant\n%#v", tc.body, got, tc.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"help", "list", "add-deployment", "remove-deployment", "diff", "sync", "apply"}
	tests := []struct{ typed, want string }{
		{"dif", "diff"}, {"dfif", "diff"}, {"aply", "apply"}, {"snyc", "sync"}, {"add-deploymnet", "add-deployment"},
		{"remove-deploy", "remove-deployment"}, {"lsit", "list"}, {"deploy", ""}, {"xyzzy", ""}, {"halp", "help"},
	}
	for _, tc := range tests {
		t.Run(tc.typed, func(t *testing.T) {
			if got := suggest(tc.typed, known); got != tc.want {
				t.Errorf("suggest(%q) = %q, want %q", tc.typed, got, tc.want)
			}
		})
	}
}
