package testenv

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// graphqlPath is GitHub Enterprise's GraphQL endpoint ({host}/api/graphql); on github.com it
// is api.github.com/graphql.
const graphqlPath = "/api/graphql"

// The part of GitHub's GraphQL schema that hides a comment, copied unchanged from
// ../shared/github (@octokit/graphql-schema 15.26.1, MIT; see testdata/LICENSE-octokit-graphql-schema).
//
//go:embed testdata/graphql-minimize-comment.graphql
var minimizeSDL string

var (
	gqlOnce   sync.Once
	gqlSchema *ast.Schema
	gqlErr    error
)

func loadGraphQLSchema() (*ast.Schema, error) {
	gqlOnce.Do(func() {
		gqlSchema, gqlErr = gqlparser.LoadSchema(&ast.Source{Name: "graphql-minimize-comment.graphql", Input: minimizeSDL})
	})
	return gqlSchema, gqlErr
}

// minimizedReasons is how GitHub spells each classifier in minimizedReason.
var minimizedReasons = map[string]string{
	"ABUSE": "abuse", "OFF_TOPIC": "off-topic", "OUTDATED": "outdated", "RESOLVED": "resolved", "DUPLICATE": "duplicate", "SPAM": "spam",
}

// serveGraphQL answers POST /api/graphql: exactly the minimizeComment and unminimizeComment
// mutations, parsed and validated (with their variables) against GitHub's schema. A query
// GitHub would refuse is answered with GraphQL errors and recorded as a violation; a comment
// that is not there answers a NOT_FOUND error, as GitHub does. It returns the caller's login.
func (gh *GitHub) serveGraphQL(w http.ResponseWriter, r *http.Request, body []byte) string {
	where := r.Method + " " + r.URL.Path
	if r.Method != http.MethodPost {
		gh.violation(where, "the GraphQL endpoint takes POST only")
		gh.errorJSON(w, http.StatusNotFound, "Not Found")
		return ""
	}
	who, msg := gh.authenticate(r, &apiOperation{ID: "graphql", Template: "/graphql"})
	if who == nil {
		gh.errorJSON(w, http.StatusUnauthorized, msg)
		return ""
	}
	var req struct {
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Query == "" {
		gh.violation(where, "the body is not a GraphQL request with a query")
		gh.errorJSON(w, http.StatusBadRequest, "Problems parsing JSON")
		return who.Login
	}
	refuse := func(errs ...*gqlerror.Error) {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error()) // with the path of a variable, the place in the query
		}
		gh.violation(where, "GraphQL: "+strings.Join(msgs, "; "))
		writeGraphQL(w, nil, errs)
	}
	schema, err := loadGraphQLSchema()
	if err != nil {
		gh.errorJSON(w, http.StatusInternalServerError, "failed to load the GraphQL schema: "+err.Error())
		return who.Login
	}
	doc, errs := gqlparser.LoadQueryWithRules(schema, req.Query, nil)
	if len(errs) > 0 {
		refuse(errs...)
		return who.Login
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil || len(doc.Operations) > 1 && req.OperationName == "" {
		refuse(gqlerror.Errorf("no operation %q in the document", req.OperationName))
		return who.Login
	}
	if op.Operation != ast.Mutation {
		refuse(gqlerror.Errorf("the fake GitHub serves only the minimizeComment and unminimizeComment mutations, not a %s", op.Operation))
		return who.Login
	}
	vars, err := validator.VariableValues(schema, op, req.Variables)
	if err != nil {
		if ge, ok := err.(*gqlerror.Error); ok {
			refuse(ge)
		} else {
			refuse(gqlerror.Errorf("%v", err))
		}
		return who.Login
	}
	data := map[string]any{}
	var runErrs []*gqlerror.Error
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			refuse(gqlerror.Errorf("fragments at the root are not served by the fake GitHub"))
			return who.Login
		}
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		input, _ := f.ArgumentMap(vars)["input"].(map[string]any)
		subject, _ := input["subjectId"].(string)
		classifier, _ := input["classifier"].(string)
		payload, e := gh.minimize(who, f.Name, subject, classifier)
		if e != nil {
			e.Path = ast.Path{ast.PathName(key)}
			if f.Position != nil {
				e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
			}
			runErrs = append(runErrs, e)
			data[key] = nil
			continue
		}
		data[key] = selectFields(f.SelectionSet, payload, input)
	}
	writeGraphQL(w, data, runErrs)
	return who.Login
}

// minimize hides (minimizeComment) or shows (unminimizeComment) the comment whose node_id is
// subject, as who; it returns the comment's Minimizable fields.
func (gh *GitHub) minimize(who *identity, field, subject, classifier string) (map[string]any, *gqlerror.Error) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	var cm *ghComment
	for _, c := range gh.comments {
		if fmt.Sprintf("IC_%d", c.ID) == subject {
			cm = c
		}
	}
	if cm == nil || (who.Repos != nil && !who.Repos[strings.ToLower(gh.repo(cm.Repo).Name)] && !who.Repos[strings.ToLower(cm.Repo)]) {
		e := gqlerror.Errorf("Could not resolve to a node with the global id of '%s'", subject)
		e.Extensions = map[string]any{"type": "NOT_FOUND"}
		return nil, e
	}
	switch field {
	case "minimizeComment":
		cm.Minimized = minimizedReasons[classifier]
	case "unminimizeComment":
		cm.Minimized = ""
	}
	var reason any
	if cm.Minimized != "" {
		reason = cm.Minimized
	}
	return map[string]any{"__typename": "IssueComment", "isMinimized": cm.Minimized != "", "minimizedReason": reason, "viewerCanMinimize": true}, nil
}

// selectFields answers a payload's selection set: clientMutationId, and the comment
// (minimizedComment or unminimizedComment) with the Minimizable fields selected.
func selectFields(set ast.SelectionSet, comment map[string]any, input map[string]any) map[string]any {
	out := map[string]any{}
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok {
			continue
		}
		key := f.Alias
		if key == "" {
			key = f.Name
		}
		switch f.Name {
		case "__typename":
			out[key] = f.ObjectDefinition.Name
		case "clientMutationId":
			out[key] = input["clientMutationId"]
		case "minimizedComment", "unminimizedComment":
			c := map[string]any{}
			for _, s := range f.SelectionSet {
				if cf, ok := s.(*ast.Field); ok {
					k := cf.Alias
					if k == "" {
						k = cf.Name
					}
					c[k] = comment[cf.Name]
				}
			}
			out[key] = c
		}
	}
	return out
}

// writeGraphQL writes a GraphQL answer: 200 with data and, when there are any, errors (with
// GitHub's "type" beside the standard fields).
func writeGraphQL(w http.ResponseWriter, data map[string]any, errs []*gqlerror.Error) {
	resp := map[string]any{}
	if data != nil {
		resp["data"] = data
	}
	if len(errs) > 0 {
		var list []any
		for _, e := range errs {
			o := map[string]any{"message": e.Message}
			if len(e.Path) > 0 {
				o["path"] = e.Path
			}
			if len(e.Locations) > 0 {
				o["locations"] = e.Locations
			}
			if t, ok := e.Extensions["type"]; ok {
				o["type"] = t
			}
			list = append(list, o)
		}
		resp["errors"] = list
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(resp)
}
