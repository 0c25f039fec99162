package policy

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/sync"
)

// refusedSyncOptions refuses an object (or hook) carrying one of its options as written,
// whatever the case or spaces; the default's and the deployment's add up.
func TestSyncOptionRefusals(t *testing.T) {
	withOpts := func(opts string) sync.Change {
		u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]interface{}{"name": "web", "namespace": "shop"}}}
		if opts != "" {
			u.SetAnnotations(map[string]string{sync.AnnotationArgoSyncOptions: opts})
		}
		return sync.NewChange(sync.RefOf(u), false, u)
	}
	for _, tc := range []struct {
		name    string
		def     config.Policy
		own     *config.Policy
		opts    string
		refused []string // the options refused, in the order of the annotation
	}{
		{"none refused", config.Policy{}, nil, "Replace=true,Force=true", nil},
		{"force refused by the default", config.Policy{RefusedSyncOptions: []string{"Force=true"}}, nil, "Replace=true, Force=true", []string{"Force=true"}},
		{"case, spaces and a bare name", config.Policy{RefusedSyncOptions: []string{" force "}}, nil, "Replace=true,FORCE=TRUE", []string{"FORCE=TRUE"}},
		{"the deployment's own adds up", config.Policy{RefusedSyncOptions: []string{"Force=true"}}, &config.Policy{RefusedSyncOptions: []string{"Replace=true"}}, "Replace=true,Force=true", []string{"Replace=true", "Force=true"}},
		{"another value is not refused", config.Policy{RefusedSyncOptions: []string{"Replace=true"}}, nil, "Replace=false", nil},
		{"no options", config.Policy{RefusedSyncOptions: []string{"Force=true"}}, nil, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := Violations(eff(tc.own, tc.def), withOpts(tc.opts))
			var got []string
			for _, v := range vs {
				if v.Rule != RuleSyncOptions {
					t.Fatalf("rule %s: %s", v.Rule, v.Msg)
				}
				if !strings.Contains(v.Msg, "remove it from the object's annotation") {
					t.Errorf("message says no fix: %s", v.Msg)
				}
				got = append(got, strings.TrimPrefix(strings.SplitN(v.Msg, " (", 2)[0], "sync option "))
			}
			if !reflect.DeepEqual(got, tc.refused) {
				t.Errorf("refused %q, want %q", got, tc.refused)
			}
		})
	}
}
