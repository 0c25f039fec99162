package fix

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// The typo rename of the missing-reference rule on a chart deployment (issue 16): it lands on
// the values key the template line of the reference maps, in the values file that sets it
// (golden files under testdata/plan/<name>/want); a reference written as text or not from one
// values key is refused, naming the line and the values keys it reads.
func TestPlanChartRef(t *testing.T) {
	prod := &rsync.ChartSettings{Release: "web", Namespace: "prod", Values: []string{"charts/web/values-prod.yaml"}}
	base := planCase{dir: "chart-ref", folder: "charts/web", w: dep("prod", "web"), chart: prod}
	ref := func(key, value string) []Edit {
		c := "web"
		if strings.HasPrefix(key, refVolume) {
			c = ""
		}
		return []Edit{{Field: FieldRef, Key: key, Value: value, Container: c}}
	}
	var cases []planCase
	add := func(name string, edits []Edit, chart *rsync.ChartSettings, wantErr, wantNote string) {
		tc := base
		tc.name, tc.edits, tc.wantErr, tc.wantNote = name, edits, wantErr, wantNote
		if chart != nil {
			tc.chart = chart
		}
		if wantErr != "" {
			tc.errType = "place"
		}
		cases = append(cases, tc)
	}
	// values-prod.yaml sets the ConfigMap's name: only its value changes there, comment kept
	add("chart-ref-name", ref("env.LOG_LEVEL.configMapKeyRef.name", "web-config"), nil, "",
		"`charts/web/values-prod.yaml` sets values key `config.name`: the last of the chart's values files")
	// a key set by no values file (the template's default stands in): added to values.yaml
	add("chart-ref-default", ref("env.LOG_LEVEL.configMapKeyRef.key", "log_level"), nil, "",
		"No values file of the deployment (`charts/web/values.yaml`, `charts/web/values-prod.yaml`) sets values key `config.logKey`: it is added to `charts/web/values.yaml`.")
	// `"{{ .Values.tls.prefix }}-{{ .Values.tls.name }}"`: only the part that differs is set
	add("chart-ref-parts", ref("volume.tls.secret.secretName", "web-tls"), nil, "", "sets values key `tls.name`")
	// both renames at once
	add("chart-ref-both", append(ref("volume.tls.secret.secretName", "web-tls"), ref("env.LOG_LEVEL.configMapKeyRef.name", "web-config")...), nil, "", "")

	add("chart-ref-text", ref("env.DB_PASSWORD.secretKeyRef.key", "password"), nil,
		"`charts/web/templates/deployment.yaml` line 25 writes `pasword` as text in the template, not from a values key; change that line to `password` by hand", "")
	add("chart-ref-release", ref("env.DB_PASSWORD.secretKeyRef.name", "web-dbs"), nil,
		"line 24 writes it as `name: {{ .Release.Name }}-db`, which is not one values key; it reads no values key Rigel can name", "")
	add("chart-ref-printf", ref("env.MODE.configMapKeyRef.name", "web-modes"), nil,
		"line 29 writes it as `name: {{ printf \"%s-mode\" .Values.mode }}`, which is not one values key; it reads values key `mode` (set in `charts/web/values.yaml`): change it by hand so that the reference reads `web-modes`", "")
	add("chart-ref-flow", ref("env.FLOW.configMapKeyRef.key", "flow"), nil,
		"no line of `charts/web/templates/deployment.yaml` writes it as `key: …` on a line of its own", "")
	add("chart-ref-misfit", ref("volume.tls.secret.secretName", "webtls"), nil,
		"line 39 writes it as `<tls.prefix>-<tls.name>`, and `webtls` does not fit that form", "")
	// another object reads the same values key: the verification refuses
	add("chart-ref-shared", ref("volume.extra.configMap.name", "web-extras"), nil,
		"`volume.extra.configMap.name=web-extras` on chart `charts/web`: setting values key `extra` for it would also change ConfigMap `web-files`, so Rigel leaves it alone", "")
	setFile := &rsync.ChartSettings{Release: "web", Namespace: "prod", Values: prod.Values, SetFiles: map[string]string{"config.name": "charts/web/name.txt"}}
	add("chart-ref-set-file", ref("env.LOG_LEVEL.configMapKeyRef.name", "web-config"), setFile,
		"values key `config.name` comes from the set-file `config.name` of the deployment (file `charts/web/name.txt`)", "")

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runPlanCase(t, tc)
			if tc.wantErr == "" {
				return
			}
			// each refusal is the rename's own, and says it proposes nothing
			_, err := PlanWith(os.DirFS(filepath.Join("testdata", "plan", tc.dir, "in")), tc.folder, tc.w, tc.edits, rsync.RenderOptions{Chart: tc.chart})
			var ur *UntracedRename
			if !errors.As(err, &ur) || ur.Edit != tc.edits[0] {
				t.Fatalf("error %T %v, want an *UntracedRename of %v", err, err, tc.edits[0])
			}
			if msg := err.Error(); !strings.HasSuffix(msg, ". Rigel proposes nothing for it") ||
				!strings.HasPrefix(msg, "`"+tc.edits[0].String()+"` on chart `charts/web`: ") || strings.Count(msg, tc.edits[0].String()) != 1 {
				t.Errorf("refusal %q does not name the rename once and say nothing is proposed", msg)
			}
		})
	}
}

// A rename the chart cannot take is dropped from a diagnosis, said among its findings, and
// its rule goes when no rename is left; the other edits stay.
func TestUntracedRenameDrop(t *testing.T) {
	rename := Edit{Field: FieldRef, Key: "env.A.configMapKeyRef.key", Value: "log_level", Container: "web"}
	other := Edit{Field: FieldRef, Key: "volume.tls.secret.secretName", Value: "web-tls"}
	memory := Edit{Field: FieldMemory, Value: "256Mi", Container: "web"}
	ur := &UntracedRename{Edit: rename, Folder: "charts/web", Why: "no line writes it"}
	finding := "Rigel does not propose the rename `env.A.configMapKeyRef.key=log_level (container web)` on chart `charts/web`: no line writes it."
	for _, tc := range []struct {
		name      string
		edits     []Edit
		rule      string
		wantEdits []Edit
		wantRule  string
		wantNone  bool
	}{
		{"alone", []Edit{rename}, RuleTypo, nil, "", true},
		{"with another rename", []Edit{rename, other}, RuleTypo, []Edit{other}, RuleTypo, false},
		{"with another rule", []Edit{memory, rename}, RuleOOM + "; " + RuleTypo, []Edit{memory}, RuleOOM, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Diagnosis{Findings: []untrusted.Text{untrusted.Own("seen")}, Edits: tc.edits, Rule: tc.rule}
			got := ur.Drop(d)
			if len(d.Edits) != len(tc.edits) || len(d.Findings) != 1 {
				t.Fatal("Drop changed the diagnosis it was given")
			}
			if len(got.Edits) != len(tc.wantEdits) {
				t.Fatalf("edits %v, want %v", got.Edits, tc.wantEdits)
			}
			for i := range got.Edits {
				if got.Edits[i] != tc.wantEdits[i] {
					t.Fatalf("edits %v, want %v", got.Edits, tc.wantEdits)
				}
			}
			if got.Rule != tc.wantRule {
				t.Errorf("rule %q, want %q", got.Rule, tc.wantRule)
			}
			var plain []string
			for _, f := range got.Findings {
				plain = append(plain, f.Markdown())
			}
			if plain[1] != finding {
				t.Errorf("finding %q, want %q", plain[1], finding)
			}
			if none := plain[len(plain)-1] == "Rigel has no fix to propose for this."; none != tc.wantNone {
				t.Errorf("findings %q: says no fix %v, want %v", plain, none, tc.wantNone)
			}
		})
	}
}
