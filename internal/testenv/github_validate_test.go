package testenv

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	sch := schema{
		"type":     "object",
		"required": []any{"id", "user"},
		"properties": schema{
			"id":    schema{"type": "integer"},
			"state": schema{"type": "string", "enum": []any{"open", "closed"}},
			"note":  schema{"type": "string", "nullable": true},
			"user":  schema{"type": "object", "required": []any{"login"}, "properties": schema{"login": schema{"type": "string"}}},
			"tags":  schema{"type": "array", "items": schema{"type": "string"}},
			"title": schema{"oneOf": []any{schema{"type": "string"}, schema{"type": "integer"}}},
		},
	}
	for _, tc := range []struct {
		name, json, want string // want: substring of the first error, "" for valid
	}{
		{"valid", `{"id":1,"user":{"login":"a"},"state":"open","note":null,"tags":["x"],"title":3}`, ""},
		{"missing required", `{"user":{"login":"a"}}`, `missing required field "id"`},
		{"nested missing", `{"id":1,"user":{}}`, `x.user: missing required field "login"`},
		{"float for integer", `{"id":1.5,"user":{"login":"a"}}`, "must be an integer"},
		{"string for integer", `{"id":"1","user":{"login":"a"}}`, "must be an integer"},
		{"enum", `{"id":1,"user":{"login":"a"},"state":"merged"}`, "is not one of"},
		{"null not allowed", `{"id":1,"user":null}`, "must not be null"},
		{"array item type", `{"id":1,"user":{"login":"a"},"tags":[1]}`, "x.tags[0]: must be a string"},
		{"oneOf none", `{"id":1,"user":{"login":"a"},"title":true}`, "matches none"},
		{"not an object", `[1]`, "must be an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decodeJSON([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			errs := validate(sch, v, "x")
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("unexpected errors %v", errs)
			case tc.want != "" && (len(errs) == 0 || !strings.Contains(errs[0], tc.want)):
				t.Fatalf("errors %v, want first containing %q", errs, tc.want)
			}
		})
	}
}

func TestFillMatchesEveryResponseSchema(t *testing.T) {
	spec, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, op := range spec.ops {
		for code, sch := range op.responses {
			out := fill(sch, nil, "http://x/")
			if errs := validate(sch, normalize(out), "response"); len(errs) > 0 {
				t.Errorf("%s %s: %v", op.ID, code, errs)
			}
			n++
		}
	}
	if n < 30 {
		t.Fatalf("only %d response schemas checked", n)
	}
}
