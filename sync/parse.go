package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// parseManifest returns the objects of one file: a multi-document YAML file, or a JSON file
// holding one or more values. List kinds are expanded into their items.
func parseManifest(file string, data []byte) ([]*unstructured.Unstructured, error) {
	if path.Ext(file) == ".json" {
		return parseJSON(file, data)
	}
	return parseYAML(file, data)
}

// yamlDoc is one document of a YAML stream and the file line it starts on.
type yamlDoc struct {
	text  []byte
	start int // 1-based line of the document's first line in the file
}

// splitYAML splits a YAML stream on "---" separator lines, keeping line numbers.
func splitYAML(data []byte) []yamlDoc {
	var docs []yamlDoc
	cur := yamlDoc{start: 1}
	line := 1
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i+1], data[i+1:]
		}
		if isSeparator(l) {
			docs = append(docs, cur)
			cur = yamlDoc{start: line + 1}
		} else {
			cur.text = append(cur.text, l...)
		}
		line++
	}
	return append(docs, cur)
}

// isSeparator reports whether a line is a YAML document separator: "---", optionally
// followed by blanks or a comment.
func isSeparator(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := bytes.TrimSpace(l[3:])
	return len(rest) == 0 || rest[0] == '#'
}

// firstContentLine returns the file line of a document's first line that is neither blank nor
// a comment.
func (d yamlDoc) firstContentLine() int {
	for i, l := range strings.Split(string(d.text), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			return d.start + i
		}
	}
	return d.start
}

var yamlLineRE = regexp.MustCompile(`line (\d+): `)

// yamlError turns a YAML library error into a ParseError with the line in the file.
func yamlError(file string, doc yamlDoc, err error) *ParseError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := doc.firstContentLine()
	if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = doc.start + n - 1
		msg = strings.TrimSpace(msg[:m[0]] + msg[m[1]:])
		msg = strings.TrimPrefix(msg, "unmarshal errors:")
		msg = strings.TrimSpace(msg)
	}
	return &ParseError{File: file, Line: line, Msg: msg}
}

func parseYAML(file string, data []byte) ([]*unstructured.Unstructured, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	var out []*unstructured.Unstructured
	for i, doc := range splitYAML(data) {
		if isBlankYAML(doc.text) {
			continue
		}
		js, err := yaml.YAMLToJSON(doc.text)
		if err != nil {
			return nil, yamlError(file, doc, err)
		}
		objs, err := objectsOf(js, file, i+1, doc.firstContentLine())
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// isBlankYAML reports whether a document holds only blanks and comments.
func isBlankYAML(text []byte) bool {
	for _, l := range bytes.Split(text, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

func parseJSON(file string, data []byte) ([]*unstructured.Unstructured, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []*unstructured.Unstructured
	for i := 1; ; i++ {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			off := start
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = se.Offset
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				off = int64(len(data))
			}
			return nil, &ParseError{File: file, Line: lineAt(data, off), Msg: err.Error()}
		}
		// The value starts after any blanks following the previous one.
		valueStart := start + int64(len(data[start:])-len(bytes.TrimLeft(data[start:], " \t\r\n")))
		objs, err := objectsOf(raw, file, i, lineAt(data, valueStart))
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

// lineAt returns the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// objectsOf decodes one JSON document into objects, expanding List kinds. Null documents hold
// no object.
func objectsOf(js []byte, file string, doc, line int) ([]*unstructured.Unstructured, error) {
	var v interface{}
	if err := utiljson.Unmarshal(js, &v); err != nil {
		return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("document %d: %v", doc, err)}
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("document %d is a %s, not an object with apiVersion, kind and metadata", doc, jsonTypeName(v))}
	}
	kind, _ := m["kind"].(string)
	if items, isList := m["items"]; isList && strings.HasSuffix(kind, "List") {
		list, ok := items.([]interface{})
		if !ok && items != nil {
			return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("document %d: %s items is not a list", doc, kind)}
		}
		out := make([]*unstructured.Unstructured, 0, len(list))
		for j, it := range list {
			im, ok := it.(map[string]interface{})
			if !ok {
				return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("document %d: %s item %d is not an object", doc, kind, j+1)}
			}
			if msg := missingFields(im); msg != "" {
				return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("document %d: %s item %d %s", doc, kind, j+1, msg)}
			}
			out = append(out, &unstructured.Unstructured{Object: im})
		}
		return out, nil
	}
	if msg := missingFields(m); msg != "" {
		return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("document %d %s", doc, msg)}
	}
	return []*unstructured.Unstructured{{Object: m}}, nil
}

// missingFields says which required fields an object lacks ("" when none).
func missingFields(m map[string]interface{}) string {
	var missing, wrong []string
	check := func(name string, v interface{}, present bool) {
		switch s, ok := v.(string); {
		case !present || v == nil || ok && s == "":
			missing = append(missing, name)
		case !ok:
			wrong = append(wrong, name)
		}
	}
	v, ok := m["apiVersion"]
	check("apiVersion", v, ok)
	v, ok = m["kind"]
	check("kind", v, ok)
	md, _ := m["metadata"].(map[string]interface{})
	v, ok = md["name"]
	if gn, _ := md["generateName"].(string); !ok && gn != "" && isHookObject(m) {
		v, ok = gn, true // a hook is created, not applied: the apiserver names it (hooks.go)
	}
	check("metadata.name", v, ok)
	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, "has no "+strings.Join(missing, ", "))
	}
	for _, w := range wrong {
		msgs = append(msgs, w+" is not a string")
	}
	return strings.Join(msgs, "; ")
}

func jsonTypeName(v interface{}) string {
	switch v.(type) {
	case []interface{}:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	default:
		return "number"
	}
}
