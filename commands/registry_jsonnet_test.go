package commands

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
	"github.com/rigel-gitops/rigel/words"
)

// TestJsonnetFlags: the jsonnet flags of add-deployment, each repeatable, become the jsonnet
// settings the service gets; what cannot be read is refused with how to write it.
func TestJsonnetFlags(t *testing.T) {
	tests := []flagCase[*config.Jsonnet]{
		{"/rigel add-deployment apps/guestbook", nil, ""},
		{"/rigel add-deployment apps/guestbook --tla name=guestbook", &config.Jsonnet{TLAs: map[string]string{"name": "guestbook"}}, ""},
		{"/rigel add-deployment apps/guestbook --tla name=guestbook --tla=replicas=2 --ext-var region=eu-west-1 --ext-var 'msg=a b,c=d' --jsonnet-lib vendor/lib --jsonnet-lib lib",
			&config.Jsonnet{TLAs: map[string]string{"name": "guestbook", "replicas": "2"}, ExtVars: map[string]string{"region": "eu-west-1", "msg": "a b,c=d"}, Libs: []string{"vendor/lib", "lib"}}, ""},
		{"/rigel add-deployment apps/guestbook --tla empty=", &config.Jsonnet{TLAs: map[string]string{"empty": ""}}, ""},
		{"/rigel add-deployment apps/guestbook --tla name", nil, "write name=value"},
		{"/rigel add-deployment apps/guestbook --ext-var =x", nil, "write name=value"},
		{"/rigel add-deployment apps/guestbook --tla a=1 --tla a=2", nil, "--tla a is given twice"},
		{"/rigel add-deployment apps/guestbook --jsonnet-lib=", nil, "`--jsonnet-lib` needs a folder"},
	}
	flagCases(t, (*call).jsonnetSettings, tests)
}

// TestAddDeploymentJsonnetFlagsWithoutFolder: the jsonnet flags need the folder; the refusal
// comes before anything is asked of the service. A flag add-deployment does not take is named.
func TestAddDeploymentJsonnetFlagsWithoutFolder(t *testing.T) {
	addRefused(t, "/rigel add-deployment --tla env=prod", "need the folder of the *.jsonnet files")
	addRefused(t, "/rigel add-deployment apps/guestbook --jsonnet x=1", "does not take `--jsonnet`")
}

// TestJsonnetRepliesGolden: the list with jsonnet settings, a jsonnet folder registered with
// its settings, and the refusals of jsonnet settings and of a folder whose *.jsonnet file needs
// an argument or a variable its deployment does not set.
func TestJsonnetRepliesGolden(t *testing.T) {
	prod := config.Deployment{Name: "guestbook-prod", Path: "apps/guestbook", Jsonnet: &config.Jsonnet{
		TLAs: map[string]string{"name": "guestbook", "replicas": "3"}, ExtVars: map[string]string{"region": "eu-west-1", "note": strings.Repeat("x`", 40)}, Libs: []string{"vendor/lib"}}}
	repo := &config.Repo{Repo: "acme/web", Branch: "main", Deployments: []config.Deployment{
		{Name: "guestbook", Path: "apps/guestbook"}, prod,
	}}
	at := ops.BranchTarget("main")
	refusals := []error{
		&ops.BadJsonnet{Folder: "apps/guestbook", Name: "gb", Problems: config.Jsonnet{TLAs: map[string]string{"1x": "y"}, Libs: []string{"../up"}}.Problems()},
		&ops.BadJsonnet{Folder: "charts/web", Name: "web", At: at, Commit: commit, Problems: []string{"charts/web holds a Helm chart (Chart.yaml), which renders no *.jsonnet file: give its chart settings (--values, --release, --namespace, --set-file) instead"}},
		&ops.Taken{Why: ops.TakenFolder, Name: "gb-2", Folder: "apps/guestbook", By: "guestbook-prod", Jsonnet: true},
		&ops.RenderFailed{Folder: "apps/guestbook", At: at, Commit: commit, Err: fmt.Errorf("failed to render apps/guestbook: %w",
			&sync.ParseError{File: "apps/guestbook/gb.jsonnet", Msg: "jsonnet: RUNTIME ERROR: Missing argument: name Top-level function call"})},
		&ops.RenderFailed{Folder: "apps/guestbook", At: at, Commit: commit, Err: &sync.ParseError{File: "apps/guestbook/gb.jsonnet", Msg: "jsonnet: RUNTIME ERROR: Undefined external variable: region"}},
	}
	refused := worded(t, refusals)
	tests := []struct{ name, got string }{
		{"list_jsonnet", renderList("acme/web", repo, nil, nil, nil)},
		{"added_jsonnet", renderAdded("acme/web", &ops.Added{Deployment: prod, Branch: "main", Commit: commit, Objects: 2})},
		{"jsonnet_refused", strings.Join(refused, "\n\n---\n\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			goldenReply(t, tc.name, tc.got)
		})
	}
}

// flagCase is a line of add-deployment and the settings its flags read to (want), or a part of
// the refusal (err).
type flagCase[T any] struct {
	line string
	want T
	err  string // a part of the refusal; "": none
}

// flagCases checks that read (a call's reading of settings flags) reads each line as its
// case says, a refusal saying that nothing was registered.
func flagCases[T any](t *testing.T, read func(*call) (T, error), tests []flagCase[T]) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			cmd, err := parseLine(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			got, err := read(&call{cmd: cmd})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "Nothing was registered") {
					t.Fatalf("err = %v, want one saying %q and that nothing was registered", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("settings = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// addRefused checks that add-deployment refuses line, saying want, before it asks the service
// anything (it has none).
func addRefused(t *testing.T, line, want string) {
	t.Helper()
	cmd, err := parseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	_, err = runAddDeployment(context.Background(), &call{r: &Runner{Ops: &ops.Service{}}, cmd: cmd})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: err = %v, want one saying %q", line, err, want)
	}
}

// worded is each refusal of errs in the words of a comment.
func worded(t *testing.T, errs []error) []string {
	t.Helper()
	var out []string
	for _, err := range errs {
		msg, ok := words.Refusal(err, commentHints)
		if !ok {
			t.Fatalf("%T is not worded as a refusal", err)
		}
		out = append(out, msg)
	}
	return out
}
