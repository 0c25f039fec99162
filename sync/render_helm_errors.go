package sync

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
)

// templateLocRE finds the template locations in an error of Helm's engine:
// "template: web/templates/x.yaml:12:3: executing …", "parse error at (web/templates/x.yaml:3): …",
// "execution error at (web/templates/x.yaml:12:3): …".
var templateLocRE = regexp.MustCompile(`(?:template: |error at \()([^\s:()"]+):(\d+)(?::\d+)?\)?: `)

// startedRE finds where an unclosed action or block starts, in a parse error.
var startedRE = regexp.MustCompile(`started at ([^\s:()"]+):(\d+)`)

// helmMarkers are the delimiters Helm's `required` and `fail` put around their message.
var helmMarkers = strings.NewReplacer("HELM_ERR_START", "", "HELM_ERR_END", "")

// templateError turns an error of Helm's engine into a *ParseError naming the innermost
// template (as a repository path) and its line; an error without a location is wrapped.
func templateError(dir string, paths []pathMap, err error) error {
	msg := helmMarkers.Replace(err.Error())
	locs := templateLocRE.FindAllStringSubmatchIndex(msg, -1)
	if len(locs) == 0 {
		return fmt.Errorf("failed to render chart %s: %s", dir, msg)
	}
	m := locs[len(locs)-1]
	file, line := msg[m[2]:m[3]], msg[m[4]:m[5]]
	rest := strings.TrimSpace(msg[m[1]:])
	if rest == "" {
		rest = msg
	}
	if s := startedRE.FindStringSubmatch(rest); s != nil { // an unclosed action: where it starts
		file, line = s[1], s[2]
	}
	n, _ := strconv.Atoi(line)
	return &ParseError{File: repoPath(paths, file), Line: n, Msg: rest}
}

// yamlParseRE finds the template of an error of Helm's manifest sorter.
var yamlParseRE = regexp.MustCompile(`YAML parse error on (\S+): (.*)`)

// renderedYAMLError turns an error of releaseutil.SortManifests (a template rendered
// invalid YAML) into a *ParseError naming the template.
func renderedYAMLError(dir string, paths []pathMap, err error) error {
	if m := yamlParseRE.FindStringSubmatch(err.Error()); m != nil {
		return &ParseError{File: repoPath(paths, m[1]),
			Msg: "the template rendered invalid YAML: " + strings.TrimPrefix(m[2], "error converting YAML to JSON: ") + " (the line is in the rendered output)"}
	}
	return fmt.Errorf("failed to render chart %s: %w", dir, err)
}

// refuseLoader refuses every schema a values.schema.json refers to outside itself: Rigel
// reads no file and opens no connection while rendering (Helm's own check would fetch them).
type refuseLoader struct{}

var errSchemaRef = errors.New("values.schema.json refers to a schema outside itself ($ref to a file or URL), and Rigel fetches nothing while rendering: inline it")

func (refuseLoader) Load(string) (any, error) { return nil, errSchemaRef }

// validateSchemas checks the values against the values.schema.json of the chart and of each
// subchart given values, as Helm does, with no $ref leaving the schema.
func validateSchemas(ch *chart.Chart, vals chartutil.Values, dir string) error {
	var sb strings.Builder
	checkSchemas(ch, vals, &sb)
	if sb.Len() > 0 {
		return fmt.Errorf("failed to render chart %s: the values do not meet the chart's values.schema.json:\n%s", dir, strings.TrimSpace(sb.String()))
	}
	return nil
}

func checkSchemas(ch *chart.Chart, vals map[string]interface{}, sb *strings.Builder) {
	if ch.Schema != nil {
		if err := checkSchema(vals, ch.Schema); err != nil {
			fmt.Fprintf(sb, "%s: %s\n", ch.Name(), err)
		}
	}
	for _, sub := range ch.Dependencies() {
		raw, ok := vals[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		sv, ok := raw.(map[string]interface{})
		if !ok {
			fmt.Fprintf(sb, "%s: values are a %T, not a map\n", sub.Name(), raw)
			continue
		}
		checkSchemas(sub, sv, sb)
	}
}

func checkSchema(vals map[string]interface{}, schemaJSON []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("unable to validate the schema: %v", p)
		}
	}()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("values.schema.json is not valid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{"file": refuseLoader{}, "http": refuseLoader{}, "https": refuseLoader{}, "urn": refuseLoader{}})
	if err := c.AddResource("file:///values.schema.json", doc); err != nil {
		return err
	}
	sch, err := c.Compile("file:///values.schema.json")
	if err != nil {
		if errors.Is(err, errSchemaRef) {
			return errSchemaRef
		}
		return err
	}
	return sch.Validate(vals)
}
