package testenv

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// GitHub's own OpenAPI description of the REST operations Rigel may use, every $ref resolved
// (copied unchanged from ../shared/github; @octokit/openapi 23.0.2, MIT).
//
//go:embed testdata/rest-api-subset.json
var restAPISubset []byte

type schema = map[string]any

// apiOperation is one method+path of the API description.
type apiOperation struct {
	ID        string // operationId, e.g. "issues/create-comment"
	Method    string
	Template  string   // e.g. /repos/{owner}/{repo}/issues/{issue_number}/comments
	segs      []string // Template split on "/"
	params    map[string]schema
	body      schema // request body schema; nil when the operation takes none
	bodyReq   bool
	responses map[string]schema // status code -> JSON response schema
}

type apiSpec struct {
	ops []*apiOperation
}

var (
	specOnce sync.Once
	specVal  *apiSpec
	specErr  error
)

// Operations the shared description lacks, written after GitHub's documentation (issue 12:
// commit comments, the report of a push-triggered sync).
//
//go:embed testdata/rest-api-commit-comments.json
var restAPICommitComments []byte

func loadSpec() (*apiSpec, error) {
	specOnce.Do(func() {
		specVal, specErr = parseSpec(restAPISubset)
		if specErr != nil {
			return
		}
		extra, err := parseSpec(restAPICommitComments)
		if err != nil {
			specErr = err
			return
		}
		specVal.ops = append(specVal.ops, extra.ops...)
		sort.Slice(specVal.ops, func(i, j int) bool {
			return specVal.ops[i].Template+specVal.ops[i].Method < specVal.ops[j].Template+specVal.ops[j].Method
		})
	})
	return specVal, specErr
}

func parseSpec(data []byte) (*apiSpec, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("failed to parse GitHub API description: %w", err)
	}
	s := &apiSpec{}
	for tmpl, methods := range doc.Paths {
		for method, raw := range methods {
			var op struct {
				OperationID string   `json:"operationId"`
				Parameters  []schema `json:"parameters"`
				RequestBody *struct {
					Required bool                               `json:"required"`
					Content  map[string]struct{ Schema schema } `json:"content"`
				} `json:"requestBody"`
				Responses map[string]struct {
					Content map[string]struct{ Schema schema } `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil || op.OperationID == "" {
				continue // path-level keys such as "parameters"
			}
			o := &apiOperation{
				ID: op.OperationID, Method: strings.ToUpper(method), Template: tmpl,
				segs: strings.Split(strings.Trim(tmpl, "/"), "/"), params: map[string]schema{},
				responses: map[string]schema{},
			}
			for _, p := range op.Parameters {
				name, _ := p["name"].(string)
				in, _ := p["in"].(string)
				sch, _ := p["schema"].(schema)
				o.params[in+":"+name] = sch
			}
			if rb := op.RequestBody; rb != nil {
				if c, ok := rb.Content["application/json"]; ok {
					o.body, o.bodyReq = c.Schema, rb.Required
				}
			}
			for code, r := range op.Responses {
				if c, ok := r.Content["application/json"]; ok {
					o.responses[code] = c.Schema
				}
			}
			s.ops = append(s.ops, o)
		}
	}
	sort.Slice(s.ops, func(i, j int) bool { return s.ops[i].Template+s.ops[i].Method < s.ops[j].Template+s.ops[j].Method })
	return s, nil
}

// greedyParams may hold slashes: the last path segment of templates ending in them takes the rest.
var greedyParams = map[string]bool{"path": true, "ref": true}

// match finds the operation for method and escapedPath (without the /api/v3 prefix). It
// returns the path parameters, or a reason the request would get a 404 from GitHub.
func (s *apiSpec) match(method, escapedPath string) (*apiOperation, map[string]string, string) {
	raw := strings.Split(strings.Trim(escapedPath, "/"), "/")
	segs := make([]string, len(raw))
	for i, r := range raw {
		u, err := url.PathUnescape(r)
		if err != nil {
			return nil, nil, fmt.Sprintf("bad path escape %q", r)
		}
		segs[i] = u
	}
	var best *apiOperation
	var bestParams map[string]string
	bestScore, pathKnown, badParam := -1, false, ""
	for _, op := range s.ops {
		params, score, ok := matchSegs(op.segs, segs)
		if !ok {
			continue
		}
		if why := op.checkPathParams(params); why != "" {
			badParam = why
			continue
		}
		pathKnown = true
		if op.Method != method || score <= bestScore {
			continue
		}
		best, bestParams, bestScore = op, params, score
	}
	switch {
	case best != nil:
		return best, bestParams, ""
	case pathKnown:
		return nil, nil, "method " + method + " is not an operation of this path"
	case badParam != "":
		return nil, nil, badParam
	}
	return nil, nil, "no such path in the GitHub REST API description"
}

func matchSegs(tmpl, segs []string) (map[string]string, int, bool) {
	params := map[string]string{}
	score := 0
	for i, t := range tmpl {
		if i >= len(segs) {
			return nil, 0, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			name := t[1 : len(t)-1]
			if i == len(tmpl)-1 && greedyParams[name] {
				params[name] = strings.Join(segs[i:], "/")
				return params, score, params[name] != ""
			}
			if segs[i] == "" {
				return nil, 0, false
			}
			params[name] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, 0, false
		}
		score++
	}
	return params, score, len(tmpl) == len(segs)
}

func (op *apiOperation) checkPathParams(params map[string]string) string {
	for name, v := range params {
		if sch := op.params["path:"+name]; sch != nil && sch["type"] == "integer" {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return fmt.Sprintf("path parameter %s=%q is not an integer", name, v)
			}
		}
	}
	return ""
}

// checkQuery reports query parameters whose values do not have the declared type.
func (op *apiOperation) checkQuery(q url.Values) []string {
	var errs []string
	for name, vals := range q {
		sch := op.params["query:"+name]
		if sch == nil {
			continue
		}
		for _, v := range vals {
			if sch["type"] == "integer" {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					errs = append(errs, fmt.Sprintf("query parameter %s=%q is not an integer", name, v))
				}
			}
			if enum, ok := sch["enum"].([]any); ok && !inEnum(enum, v) {
				errs = append(errs, fmt.Sprintf("query parameter %s=%q is not one of %v", name, v, enum))
			}
		}
	}
	return errs
}

// checkBody validates a request body against the operation's JSON schema.
func (op *apiOperation) checkBody(body []byte) []string {
	if op.body == nil {
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if op.bodyReq {
			return []string{"request body is required"}
		}
		return nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return []string{"request body is not valid JSON: " + err.Error()}
	}
	if v == nil && !op.bodyReq {
		return nil // clients send "null" for an absent optional body, and GitHub takes it
	}
	return validate(op.body, v, "body")
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

// validate checks v (decoded with UseNumber) against sch: types, required fields, enums,
// nullability, items, oneOf/anyOf/allOf, and length limits. Formats are not checked.
func validate(sch schema, v any, at string) []string {
	if sch == nil {
		return nil
	}
	if v == nil {
		if sch["nullable"] == true || (sch["type"] == nil && sch["oneOf"] == nil && sch["anyOf"] == nil && sch["allOf"] == nil) {
			return nil
		}
		if enum, ok := sch["enum"].([]any); ok && inEnum(enum, nil) {
			return nil
		}
		for _, key := range []string{"oneOf", "anyOf"} {
			if alts, ok := sch[key].([]any); ok {
				for _, a := range alts {
					if as, ok := a.(schema); ok && as["nullable"] == true {
						return nil
					}
				}
			}
		}
		return []string{at + ": must not be null"}
	}
	if alts, ok := sch["allOf"].([]any); ok {
		var errs []string
		for _, a := range alts {
			as, _ := a.(schema)
			errs = append(errs, validate(as, v, at)...)
		}
		return errs
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		alts, ok := sch[key].([]any)
		if !ok {
			continue
		}
		// The schema's own keywords hold besides the alternatives (checks/update: an object
		// whose properties are checked, and anyOf on how status and conclusion go together).
		var own []string
		if sch["type"] != nil || sch["properties"] != nil {
			rest := schema{}
			for k, x := range sch {
				if k != key {
					rest[k] = x
				}
			}
			own = validate(rest, v, at)
		}
		var first []string
		for _, a := range alts {
			as, _ := a.(schema)
			errs := validate(as, v, at)
			if len(errs) == 0 {
				return own
			}
			if first == nil {
				first = errs
			}
		}
		return append(append(own, fmt.Sprintf("%s: matches none of the %d alternatives of %s", at, len(alts), key)), first...)
	}
	var errs []string
	typ, _ := sch["type"].(string)
	if _, isObject := v.(map[string]any); typ == "" && isObject && (sch["properties"] != nil || sch["required"] != nil) {
		typ = "object" // an alternative that only lists properties or required fields
	}
	switch typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: must be an object, got %s", at, jsonType(v))}
		}
		if req, ok := sch["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				if _, ok := m[name]; !ok {
					errs = append(errs, fmt.Sprintf("%s: missing required field %q", at, name))
				}
			}
		}
		props, _ := sch["properties"].(schema)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(schema); ok {
				errs = append(errs, validate(ps, m[k], at+"."+k)...)
			} else if ap, ok := sch["additionalProperties"].(schema); ok {
				errs = append(errs, validate(ap, m[k], at+"."+k)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: must be an array, got %s", at, jsonType(v))}
		}
		if n, ok := sch["minItems"].(float64); ok && float64(len(a)) < n {
			errs = append(errs, fmt.Sprintf("%s: needs at least %v items", at, n))
		}
		if n, ok := sch["maxItems"].(float64); ok && float64(len(a)) > n {
			errs = append(errs, fmt.Sprintf("%s: allows at most %v items", at, n))
		}
		items, _ := sch["items"].(schema)
		for i, e := range a {
			errs = append(errs, validate(items, e, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: must be a string, got %s", at, jsonType(v))}
		}
		if n, ok := sch["maxLength"].(float64); ok && float64(len([]rune(s))) > n {
			errs = append(errs, fmt.Sprintf("%s: longer than %v characters", at, n))
		}
		if n, ok := sch["minLength"].(float64); ok && float64(len([]rune(s))) < n {
			errs = append(errs, fmt.Sprintf("%s: shorter than %v characters", at, n))
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return []string{fmt.Sprintf("%s: must be an integer, got %s", at, jsonType(v))}
		}
		if _, err := n.Int64(); err != nil {
			return []string{fmt.Sprintf("%s: must be an integer, got %s", at, n)}
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			return []string{fmt.Sprintf("%s: must be a number, got %s", at, jsonType(v))}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: must be a boolean, got %s", at, jsonType(v))}
		}
	}
	if enum, ok := sch["enum"].([]any); ok && !inEnum(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	return errs
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil && reflect.DeepEqual(e, f) {
				return true
			}
			continue
		}
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number, float64, int, int64:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}

// fill builds a response value of schema sch: the values in override win, every other
// required field gets a type-correct default (null when nullable, the first enum value,
// fixed times, fallbackURL for URIs), and optional fields not overridden are left out.
// The result always has the shape GitHub documents.
func fill(sch schema, override any, fallbackURL string) any {
	if sch == nil {
		return override
	}
	if alts, ok := sch["allOf"].([]any); ok && len(alts) > 0 {
		merged := schema{"type": "object", "properties": schema{}, "required": []any{}}
		for _, a := range alts {
			as, _ := a.(schema)
			for k, v := range asMap(as["properties"]) {
				merged["properties"].(schema)[k] = v
			}
			if r, ok := as["required"].([]any); ok {
				merged["required"] = append(merged["required"].([]any), r...)
			}
		}
		return fill(merged, override, fallbackURL)
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := sch[key].([]any); ok && len(alts) > 0 {
			pick, _ := alts[0].(schema)
			if override != nil {
				for _, a := range alts {
					as, _ := a.(schema)
					if len(validate(as, normalize(override), "x")) == 0 {
						pick = as
						break
					}
				}
			}
			return fill(pick, override, fallbackURL)
		}
	}
	typ, _ := sch["type"].(string)
	switch typ {
	case "object":
		if override == nil && sch["nullable"] == true {
			return nil
		}
		om, _ := override.(map[string]any)
		if override != nil && om == nil {
			return override
		}
		out := map[string]any{}
		props := asMap(sch["properties"])
		if req, ok := sch["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				ps, _ := props[name].(schema)
				out[name] = fill(ps, om[name], fallbackURL)
			}
		}
		for k, v := range om {
			if ps, ok := props[k].(schema); ok {
				out[k] = fill(ps, v, fallbackURL)
			} else {
				out[k] = v
			}
		}
		return out
	case "array":
		if override == nil {
			if sch["nullable"] == true {
				return nil
			}
			return []any{}
		}
		items, _ := sch["items"].(schema)
		rv := reflect.ValueOf(override)
		if rv.Kind() != reflect.Slice {
			return override
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = fill(items, rv.Index(i).Interface(), fallbackURL)
		}
		return out
	}
	if override != nil {
		return override
	}
	if sch["nullable"] == true {
		return nil
	}
	if enum, ok := sch["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch typ {
	case "string":
		switch sch["format"] {
		case "date-time":
			return "2024-01-01T00:00:00Z"
		case "uri":
			return fallbackURL
		}
		if n, ok := sch["minLength"].(float64); ok {
			return strings.Repeat("0", int(n))
		}
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	}
	return nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// normalize round-trips v through JSON so Go values compare like decoded ones.
func normalize(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	out, err := decodeJSON(data)
	if err != nil {
		return v
	}
	return out
}
