package config

import (
	"strings"
	"testing"
)

func TestJsonnetProblems(t *testing.T) {
	long := strings.Repeat("x", maxJsonnetValueLen+1)
	tests := []struct {
		name string
		j    Jsonnet
		want []string // parts of the problems, in order; none: valid
	}{
		{name: "valid", j: Jsonnet{TLAs: map[string]string{"replicas": "2", "_n1": ""}, ExtVars: map[string]string{"env": "prod"}, Libs: []string{"vendor/lib", "lib"}}},
		{name: "empty", j: Jsonnet{}},
		{name: "bad names", j: Jsonnet{TLAs: map[string]string{"1a": "x", "a-b": "y"}, ExtVars: map[string]string{"": "z"}},
			want: []string{`top-level argument "1a" is not a jsonnet name`, `top-level argument "a-b" is not a jsonnet name`, `external variable "" is not a jsonnet name`}},
		{name: "long value", j: Jsonnet{ExtVars: map[string]string{"v": long}}, want: []string{"external variable v is 4097 bytes"}},
		{name: "bad libs", j: Jsonnet{Libs: []string{"/abs", "../up", "a/../b", ""}},
			want: []string{`lib folder "/abs" is absolute`, `lib folder "../up" leaves the repository`, `lib folder "a/../b" is not written plainly (write b)`, `lib folder "" is empty`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.j.Problems()
			if len(got) != len(tt.want) {
				t.Fatalf("problems %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d %q does not contain %q", i, got[i], w)
				}
			}
			err := ValidateJsonnet(Deployment{Name: "web", Jsonnet: &tt.j})
			if (err != nil) != (len(tt.want) > 0) {
				t.Errorf("ValidateJsonnet: %v", err)
			}
		})
	}
}
