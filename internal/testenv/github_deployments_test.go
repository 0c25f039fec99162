package testenv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestDeployments creates deployments and statuses through the fake, as GitHub does: the
// ref must be a commit, failing commit statuses refuse a deployment unless required_contexts
// says which to check, a success marks the environment's earlier successes inactive, and
// lists are newest first.
func TestDeployments(t *testing.T) {
	f := newGHFixture(t)
	tok := f.installationToken(t)
	sha := f.headSHA
	if code, _ := rawCall(t, f.gh, tok, "POST", "repos/acme/web/statuses/"+sha, `{"state":"failure","context":"ci"}`); code != 201 {
		t.Fatal(code)
	}
	code, body := rawCall(t, f.gh, tok, "POST", "repos/acme/web/deployments", `{"ref":"`+sha+`","environment":"web"}`)
	if code != 409 {
		t.Fatalf("a deployment of a commit whose checks fail: %d %v, want 409", code, body)
	}
	f.checkViolation(t, "")
	if code, _ := rawCall(t, f.gh, tok, "POST", "repos/acme/web/deployments", `{"ref":"`+strings.Repeat("e", 40)+`","required_contexts":[]}`); code != 422 {
		t.Fatalf("a deployment of no commit: %d", code)
	}
	f.checkViolation(t, "is not a commit")
	var ids []int64
	for range 2 {
		code, body := rawCall(t, f.gh, tok, "POST", "repos/acme/web/deployments", `{"ref":"`+sha+`","environment":"web","required_contexts":[],"auto_merge":false}`)
		if code != 201 || body["environment"] != "web" || body["sha"] != sha {
			t.Fatalf("create: %d %v", code, body)
		}
		id := int64(body["id"].(float64))
		ids = append(ids, id)
		if code, body := rawCall(t, f.gh, tok, "POST", fmt.Sprintf("repos/acme/web/deployments/%d/statuses", id), `{"state":"success","description":"applied"}`); code != 201 {
			t.Fatalf("status: %d %v", code, body)
		}
	}
	f.checkViolation(t, "")
	all := f.gh.Deployments("acme/web")
	if len(all) != 2 || all[0].LatestState() != "inactive" || all[1].LatestState() != "success" || all[0].Creator != f.gh.AppSlug+"[bot]" {
		t.Fatalf("deployments %+v: want the first inactive, the second success", all)
	}
	list, _, err := f.inst.Repositories.ListDeployments(f.ctx, "acme", "web", &github.DeploymentsListOptions{Environment: "web", ListOptions: github.ListOptions{PerPage: 1}})
	if err != nil || len(list) != 1 || list[0].GetID() != ids[1] {
		t.Fatalf("latest deployment: %v %v", list, err)
	}
	if other, _, err := f.inst.Repositories.ListDeployments(f.ctx, "acme", "web", &github.DeploymentsListOptions{Environment: "api"}); err != nil || len(other) != 0 {
		t.Fatalf("another environment's: %v %v", other, err)
	}
	sts, _, err := f.inst.Repositories.ListDeploymentStatuses(f.ctx, "acme", "web", ids[0], nil)
	if err != nil || len(sts) != 2 || sts[0].GetState() != "inactive" || sts[1].GetDescription() != "applied" {
		t.Fatalf("statuses, newest first: %v %v", sts, err)
	}
	if code, _ := rawCall(t, f.gh, tok, "POST", fmt.Sprintf("repos/acme/web/deployments/%d/statuses", ids[0]), `{"state":"done"}`); code != 422 {
		t.Fatalf("an unknown state: %d", code)
	}
	f.checkViolation(t, "is not one of")
	if _, resp, err := f.inst.Repositories.ListDeploymentStatuses(f.ctx, "acme", "web", 999999, nil); err == nil || statusOf(resp) != 404 {
		t.Fatalf("statuses of no deployment: %v", err)
	}
	if e := f.gh.FakeErrors(); len(e) > 0 {
		t.Fatalf("the fake answered shapes GitHub's description does not allow:\n%s", strings.Join(e, "\n"))
	}
}
