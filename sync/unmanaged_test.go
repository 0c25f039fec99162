package sync

import (
	"encoding/json"
	"reflect"
	"testing"
)

func fields(t *testing.T, js string) map[string]interface{} {
	t.Helper()
	var m map[string]interface{}
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTakeOver(t *testing.T) {
	applied := `{"f:data":{"f:color":{},"f:size":{}},"f:metadata":{"f:annotations":{"f:helmsman.dev/source-repo":{}},"f:labels":{"f:app":{}}},
		"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{}}}}}`
	tests := []struct {
		name   string
		live   []string
		secret bool
		want   []string
	}{
		{"nothing owned", nil, false, nil},
		{"one manager, some fields", []string{`{"f:data":{".":{},"f:color":{},"f:other":{}},"f:metadata":{"f:labels":{"f:app":{}}}}`}, false,
			[]string{"data.color", "metadata.labels.app"}},
		{"two managers add up", []string{`{"f:data":{"f:size":{}}}`, `{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}`}, false,
			[]string{"data.size", "spec.containers[name=web].image"}},
		{"a list element owned as a whole", []string{`{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{}}}}`}, false,
			[]string{"spec.containers[name=web].image", "spec.containers[name=web].name"}},
		{"keys with dots are quoted", []string{`{"f:metadata":{"f:annotations":{"f:helmsman.dev/source-repo":{}}}}`}, false,
			[]string{`metadata.annotations["helmsman.dev/source-repo"]`}},
		{"a Secret's data is one path, without keys", []string{`{"f:data":{"f:color":{},"f:size":{}},"f:metadata":{"f:labels":{"f:app":{}}}}`}, true,
			[]string{"data", "metadata.labels.app"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var live []map[string]interface{}
			for _, l := range tc.live {
				live = append(live, fields(t, l))
			}
			got, more := takeOver(fields(t, applied), live, tc.secret)
			if !reflect.DeepEqual(got, tc.want) || more != 0 {
				t.Fatalf("takeOver = %q (+%d), want %q", got, more, tc.want)
			}
		})
	}
}

func TestTakeOverIsBounded(t *testing.T) {
	a := map[string]interface{}{}
	for i := 0; i < maxTakeOver+5; i++ {
		a["f:k"+string(rune('a'+i/26))+string(rune('a'+i%26))] = map[string]interface{}{}
	}
	got, more := takeOver(map[string]interface{}{"f:data": a}, []map[string]interface{}{{"f:data": a}}, false)
	if len(got) != maxTakeOver || more != 5 {
		t.Fatalf("got %d paths and %d more, want %d and 5", len(got), more, maxTakeOver)
	}
}
