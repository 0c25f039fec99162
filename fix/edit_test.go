package fix

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/fault"
)

func TestParseSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		want    []Edit
		wantErr string // part of the *fault.Invalid message
	}{
		{"image", []string{"image=nginx:1.27"}, []Edit{{Field: "image", Value: "nginx:1.27"}}, ""},
		{"image with registry port and digest", []string{"image=registry.example.com:5000/team/web@sha256:" + strings.Repeat("ab", 32)},
			[]Edit{{Field: "image", Value: "registry.example.com:5000/team/web@sha256:" + strings.Repeat("ab", 32)}}, ""},
		{"several", []string{"memory=512Mi", "cpu=500m", "replicas=3", "env.LOG_LEVEL=debug"}, []Edit{
			{Field: "memory", Value: "512Mi"}, {Field: "cpu", Value: "500m"}, {Field: "replicas", Value: "3"}, {Field: "env", Key: "LOG_LEVEL", Value: "debug"}}, ""},
		{"upper-case field, env name keeps its case", []string{"MEMORY=1Gi", "ENV.Mixed_Case=x=y"}, []Edit{
			{Field: "memory", Value: "1Gi"}, {Field: "env", Key: "Mixed_Case", Value: "x=y"}}, ""},
		{"empty env value", []string{"env.EMPTY="}, []Edit{{Field: "env", Key: "EMPTY", Value: ""}}, ""},
		{"replicas zero", []string{"replicas=0"}, []Edit{{Field: "replicas", Value: "0"}}, ""},
		{"probe port", []string{"probe.readiness.port=8080"}, []Edit{{Field: "probe", Key: "readiness", Value: "8080"}}, ""},
		{"probe named port", []string{"probe.liveness.port=http"}, []Edit{{Field: "probe", Key: "liveness", Value: "http"}}, ""},

		{"nothing", nil, nil, "nothing to set"},
		{"no equals", []string{"image"}, nil, "not a field=value pair"},
		{"unknown field", []string{"volume=x"}, nil, "cannot set `volume`"},
		{"bad image", []string{"image=NGINX:1.27"}, nil, "not an image reference"},
		{"image with space", []string{"image=nginx 1.27"}, nil, "no spaces"},
		{"empty image", []string{"image="}, nil, "image is empty"},
		{"bad tag", []string{"image=nginx:-x"}, nil, "not an image reference"},
		{"bad memory", []string{"memory=lots"}, nil, "`memory=lots` is not a quantity: write it like `memory=512Mi`"},
		{"zero cpu", []string{"cpu=0"}, nil, "more than zero"},
		{"negative replicas", []string{"replicas=-1"}, nil, "0 or more"},
		{"fractional replicas", []string{"replicas=1.5"}, nil, "whole number"},
		{"bad env name", []string{"env.1X=y"}, nil, "not a valid environment variable name"},
		{"no env name", []string{"env.=y"}, nil, "not a valid environment variable name"},
		{"twice", []string{"image=a:1", "image=b:2"}, nil, "set twice"},
		{"bad probe", []string{"probe.warmup.port=80"}, nil, "liveness, readiness and startup"},
		{"bad probe port", []string{"probe.liveness.port=70000"}, nil, "between 1 and 65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSet(tc.args)
			if tc.wantErr != "" {
				var ue *fault.Invalid
				if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tc.wantErr) {
					t.Fatalf("ParseSet(%q) error = %v, want a fault.Invalid containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseSet(%q) = %+v, want %+v", tc.args, got, tc.want)
			}
		})
	}
}

func TestEditString(t *testing.T) {
	for _, tc := range []struct {
		e    Edit
		want string
	}{
		{Edit{Field: "memory", Value: "512Mi", Container: "app"}, "memory=512Mi (container app)"},
		{Edit{Field: "image", Value: "nginx:1.27"}, "image=nginx:1.27"},
		{Edit{Field: "env", Key: "LOG_LEVEL", Value: "debug", Container: "app"}, "env.LOG_LEVEL=debug (container app)"},
		{Edit{Field: "replicas", Value: "3", Container: "ignored"}, "replicas=3"},
		{Edit{Field: "probe", Key: "liveness", Value: "8080", Container: "app"}, "probe.liveness.port=8080 (container app)"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.e.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
			// what String prints (without the container) parses back to the same edit
			back, err := ParseSet([]string{strings.SplitN(tc.want, " (", 2)[0]})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.e
			want.Container = ""
			if back[0] != want {
				t.Fatalf("ParseSet(String()) = %+v, want %+v", back[0], want)
			}
		})
	}
}

func TestUnifiedDiff(t *testing.T) {
	before := "a: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5\r\nf: 6\r\ng: 7\r\n"
	after := strings.Replace(before, "d: 4", "d: 40", 1)
	got := UnifiedDiff([]Change{
		{Path: "k8s/x.yaml", Before: []byte(before), After: []byte(after)},
		{Path: "k8s/y.yaml", Before: []byte("x: 1"), After: []byte("x: 2")},
	})
	want := `--- a/k8s/x.yaml
+++ b/k8s/x.yaml
@@ -1,7 +1,7 @@
 a: 1
 b: 2
 c: 3
-d: 4
+d: 40
 e: 5
 f: 6
 g: 7
--- a/k8s/y.yaml
+++ b/k8s/y.yaml
@@ -1 +1 @@
-x: 1
\ No newline at end of file
+x: 2
\ No newline at end of file
`
	if got != want {
		t.Fatalf("UnifiedDiff =\n%s\nwant\n%s", got, want)
	}
}

// TestParseSetHostile: what someone typed is quoted back in a code span it cannot end, with
// comment delimiters and issue references defused.
func TestParseSetHostile(t *testing.T) {
	_, err := ParseSet([]string{"x`@org/team Closes #1 <!-- rigel:plan"})
	var ue *fault.Invalid
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v", err)
	}
	want := "`x'@org/team Closes #\u200d1 <\u200d!-- rigel:plan` is not a field=value pair: " + setUsage
	if ue.Msg != want {
		t.Errorf("got %q, want %q", ue.Msg, want)
	}
}
