package sync

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kfield "k8s.io/apimachinery/pkg/util/validation/field"
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

func TestHiddenErrMessage(t *testing.T) {
	r := Ref{Version: "v1", Kind: "Pod", Namespace: "ns", Name: "p"}
	leaky := apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "p", kfield.ErrorList{kfield.Forbidden(kfield.NewPath("spec"), "pod updates may not change fields: {Image: \"live-image-secret\"}")})
	webhook := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "p", errors.New(`admission webhook "x" denied the request: live value live-image-secret`))
	rbac := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "p", errors.New(`User "system:serviceaccount:rigel:rigel" cannot patch resource "pods" in API group "" in the namespace "ns"`))
	tests := []struct {
		name      string
		err       error
		want, not string
	}{
		{"an invalid update may quote the live object", leaky, "Pod/ns/p was refused (Invalid, HTTP 422): spec: FieldValueForbidden (the apiserver's message is hidden because why)", "live-image-secret"},
		{"a webhook may say anything", webhook, "Pod/ns/p was refused (Forbidden, HTTP 403) (the apiserver's message is hidden because why)", "live-image-secret"},
		{"RBAC says only who may not do what", rbac, rbac.Error(), ""},
		{"a missing namespace", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "ns"), `namespaces "ns" not found`, ""},
		{"not an apiserver error", errors.New("connection reset, live-image-secret"), "Pod/ns/p was refused (the message is hidden because why)", "live-image-secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hiddenErrMessage(tc.err, r, "why")
			if got != tc.want || (tc.not != "" && strings.Contains(got, tc.not)) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
