package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Fields an answer's edit may set: the vocabulary of `set` (fix.Field*), without probes.
var Fields = []string{"image", "memory", "cpu", "replicas", "env"}

// Bounds of an answer: more is malformed.
const (
	maxFindings   = 10
	maxEdits      = 5
	maxPatch      = 10   // values a patch sets
	maxPatchPath  = 512  // bytes of a patch's path
	maxPatchValue = 1024 // bytes of a value a patch sets
	maxTextLength = 2000 // of the reasoning and of each finding
)

// Answer is what the model proposes for one workload.
type Answer struct {
	// Reasoning is the model's explanation, quoted as text in the reply and the pull request.
	Reasoning string   `json:"reasoning"`
	Findings  []string `json:"findings"`
	// Workload names the document the edits are for: Rigel refuses edits of any other.
	Workload Target `json:"workload"`
	Edits    []Edit `json:"edits"` // none: the model has no fix
	// Patch is a change beyond the vocabulary of `set`, confined to the workload's own
	// document: the values it sets, each at a path in the document as rendered. An answer
	// has edits or a patch, not both (fix.ModelEdits).
	Patch []PatchOp `json:"patch"`
}

// Types of a PatchOp's value.
var PatchTypes = []string{"string", "number", "boolean"}

// PatchOp sets one value of the workload's rendered document: Path is a JSON pointer from
// the document's root (`/spec/template/spec/containers/0/readinessProbe/httpGet/path`; a
// list item may also be named by its name: `containers/name=app`), Value the value as text,
// Type how to read it (one of PatchTypes).
type PatchOp struct {
	Path  string `json:"path"`
	Value string `json:"value"`
	Type  string `json:"type"`
}

// Target is a workload as the model names it.
type Target struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// Edit is one change in the vocabulary of `set`: Field one of Fields, Key the variable of an
// env edit, Container "" for the only container.
type Edit struct {
	Field     string `json:"field"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Container string `json:"container"`
}

func (e Edit) String() string {
	s := e.Field + "=" + e.Value
	if e.Field == "env" {
		s = "env." + e.Key + "=" + e.Value
	}
	if e.Container != "" {
		s += " (container " + e.Container + ")"
	}
	return s
}

// answerSchema is the JSON schema the request asks the answer to follow (strict structured
// output: every property required, no others).
func answerSchema() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"reasoning", "findings", "workload", "edits", "patch"},
		"properties": map[string]any{
			"reasoning": str,
			"findings":  map[string]any{"type": "array", "items": str, "maxItems": maxFindings},
			"workload": map[string]any{
				"type": "object", "additionalProperties": false,
				"required":   []string{"kind", "name", "namespace"},
				"properties": map[string]any{"kind": str, "name": str, "namespace": str},
			},
			"edits": map[string]any{
				"type": "array", "maxItems": maxEdits,
				"items": map[string]any{
					"type": "object", "additionalProperties": false,
					"required": []string{"field", "key", "value", "container"},
					"properties": map[string]any{
						"field":     map[string]any{"type": "string", "enum": Fields},
						"key":       str,
						"value":     str,
						"container": str,
					},
				},
			},
			"patch": map[string]any{
				"type": "array", "maxItems": maxPatch,
				"items": map[string]any{
					"type": "object", "additionalProperties": false,
					"required": []string{"path", "value", "type"},
					"properties": map[string]any{
						"path":  str,
						"value": str,
						"type":  map[string]any{"type": "string", "enum": PatchTypes},
					},
				},
			},
		},
	}
}

// parseAnswer decodes the model's message content: exactly one JSON object of the schema,
// unknown fields refused, within the bounds.
func parseAnswer(content string) (*Answer, error) {
	dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(content)))
	dec.DisallowUnknownFields()
	var a Answer
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("not the JSON object the schema asks for: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	switch {
	case len(a.Findings) > maxFindings:
		return nil, fmt.Errorf("%d findings, more than %d", len(a.Findings), maxFindings)
	case len(a.Edits) > maxEdits:
		return nil, fmt.Errorf("%d edits, more than %d", len(a.Edits), maxEdits)
	case len(a.Patch) > maxPatch:
		return nil, fmt.Errorf("a patch of %d values, more than %d", len(a.Patch), maxPatch)
	case len(a.Reasoning) > maxTextLength:
		return nil, fmt.Errorf("a reasoning of %d bytes, more than %d", len(a.Reasoning), maxTextLength)
	}
	for _, f := range a.Findings {
		if len(f) > maxTextLength {
			return nil, fmt.Errorf("a finding of %d bytes, more than %d", len(f), maxTextLength)
		}
	}
	for _, e := range a.Edits {
		if !oneOf(e.Field, Fields) {
			return nil, fmt.Errorf("an edit of field %q, which is not one of %s", e.Field, strings.Join(Fields, ", "))
		}
	}
	for _, p := range a.Patch {
		switch {
		case len(p.Path) > maxPatchPath:
			return nil, fmt.Errorf("a patch path of %d bytes, more than %d", len(p.Path), maxPatchPath)
		case len(p.Value) > maxPatchValue:
			return nil, fmt.Errorf("a patch value of %d bytes, more than %d", len(p.Value), maxPatchValue)
		case !oneOf(p.Type, PatchTypes):
			return nil, fmt.Errorf("a patch value of type %q, which is not one of %s", p.Type, strings.Join(PatchTypes, ", "))
		}
	}
	return &a, nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
