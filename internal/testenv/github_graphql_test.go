package testenv

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

const minimizeQuery = `mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) { clientMutationId minimizedComment { isMinimized minimizedReason } } }`

// TestGraphQLMinimizeComment hides and shows a comment through the fake's GraphQL endpoint,
// and checks that queries GitHub's schema refuses are answered with GraphQL errors and
// recorded as violations.
func TestGraphQLMinimizeComment(t *testing.T) {
	f := newGHFixture(t)
	tok := f.installationToken(t)
	c, _, err := f.inst.Issues.CreateComment(f.ctx, "acme", "web", 7, &github.IssueComment{Body: github.String("old preview")})
	if err != nil {
		t.Fatal(err)
	}
	node := c.GetNodeID()
	post := func(query string, vars map[string]any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		code, out := rawCall(t, f.gh, tok, "POST", "/api/graphql", string(body))
		if code != 200 {
			t.Fatalf("status %d: %v", code, out)
		}
		return out
	}
	out := post(minimizeQuery, map[string]any{"input": map[string]any{"subjectId": node, "classifier": "OUTDATED", "clientMutationId": "m1"}})
	want := `{"data":{"minimizeComment":{"clientMutationId":"m1","minimizedComment":{"isMinimized":true,"minimizedReason":"outdated"}}}}`
	if got, _ := json.Marshal(out); string(got) != want {
		t.Fatalf("answer %s, want %s", got, want)
	}
	if cm, _ := f.gh.Comment(c.GetID()); cm.Minimized != "outdated" {
		t.Fatalf("comment after minimize = %+v", cm)
	}
	if v := f.newViolations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
	out = post(`mutation { unminimizeComment(input: {subjectId: "`+node+`"}) { unminimizedComment { isMinimized } } }`, nil)
	if got, _ := json.Marshal(out); string(got) != `{"data":{"unminimizeComment":{"unminimizedComment":{"isMinimized":false}}}}` {
		t.Fatalf("unminimize answer %s", got)
	}
	if cm, _ := f.gh.Comment(c.GetID()); cm.Minimized != "" {
		t.Fatalf("comment after unminimize = %+v", cm)
	}

	t.Run("a comment that is not there", func(t *testing.T) {
		out := post(minimizeQuery, map[string]any{"input": map[string]any{"subjectId": "IC_1", "classifier": "OUTDATED"}})
		errs, _ := out["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["type"] != "NOT_FOUND" || out["data"].(map[string]any)["minimizeComment"] != nil {
			t.Fatalf("answer %v, want a NOT_FOUND error", out)
		}
		if v := f.newViolations(); len(v) > 0 {
			t.Fatalf("a NOT_FOUND is GitHub's answer, not a violation: %v", v)
		}
	})

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{"unknown classifier", minimizeQuery, map[string]any{"input": map[string]any{"subjectId": node, "classifier": "STALE"}}, "STALE"},
		{"no subject", minimizeQuery, map[string]any{"input": map[string]any{"classifier": "OUTDATED"}}, "subjectId"},
		{"no variables", minimizeQuery, nil, "input"},
		{"a field the schema lacks", `mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) { minimizedComment { body } } }`, map[string]any{"input": map[string]any{"subjectId": node, "classifier": "OUTDATED"}}, "body"},
		{"another mutation", `mutation { deleteIssueComment(input: {id: "x"}) { clientMutationId } }`, nil, "deleteIssueComment"},
		{"a query", `query { viewer { login } }`, nil, "query"},
		{"not GraphQL", `minimize it please`, nil, "Unexpected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := post(tc.query, tc.vars)
			errs, _ := out["errors"].([]any)
			if len(errs) == 0 || out["data"] != nil {
				t.Fatalf("answer %v, want GraphQL errors and no data", out)
			}
			v := f.newViolations()
			if len(v) != 1 || !strings.Contains(v[0], tc.want) {
				t.Fatalf("violations %v, want one naming %q", v, tc.want)
			}
		})
	}
	if cm, _ := f.gh.Comment(c.GetID()); cm.Minimized != "" {
		t.Fatalf("a refused query changed the comment: %+v", cm)
	}
	t.Run("no token", func(t *testing.T) {
		code, _ := rawCall(t, f.gh, "", "POST", "/api/graphql", fmt.Sprintf(`{"query":%q}`, minimizeQuery))
		if code != 401 {
			t.Fatalf("status %d, want 401", code)
		}
	})
}
