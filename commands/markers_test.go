package commands

import (
	"context"
	"github.com/rigel-gitops/rigel/ops"
	"strings"
	"testing"
)

// Tests render with a fixed seal token, so the golden files do not change from run to run.
func init() {
	sealToken = strings.Repeat("5e", 16)
	placeholder = placeholderFor(sealToken)
}

var (
	testKey    = []byte("0123456789abcdef0123456789abcdef")
	testConv   = conversation{Repo: "acme/web", Number: 7}
	testCommit = strings.Repeat("c", 40)
	testDigest = strings.Repeat("d", 64)
	testPlan   = marker{Kind: markerPlan, Deployment: "web", Commit: testCommit, Digest: testDigest}
)

func TestMarkerVerification(t *testing.T) {
	plan := signMarker(testKey, testConv, testPlan)
	applied := signMarker(testKey, testConv, marker{Kind: markerApplied, Deployment: "web", Digest: testDigest})
	tests := []struct {
		name string
		key  []byte
		conv conversation
		body string
		want int
	}{
		{"a signed plan marker verifies", testKey, testConv, "text\n" + plan + "\n", 1},
		{"plan and applied, in order", testKey, testConv, plan + "\n" + applied, 2},
		{"CRLF line ends (an edit in the web UI)", testKey, testConv, "text\r\n" + plan + "\r\nmore", 1},
		{"the repository's name in another case", testKey, conversation{Repo: "ACME/Web", Number: 7}, plan, 1},
		{"another issue of the repository", testKey, conversation{Repo: "acme/web", Number: 8}, plan, 0},
		{"another repository", testKey, conversation{Repo: "acme/api", Number: 7}, plan, 0},
		{"another key (rotated)", []byte("another key, rotated"), testConv, plan, 0},
		{"the old shape without a MAC", testKey, testConv, "<!-- rigel:plan deployment=web commit=" + testCommit + " digest=" + testDigest + " -->", 0},
		{"another digest, same MAC", testKey, testConv, strings.Replace(plan, testDigest, strings.Repeat("e", 64), 1), 0},
		{"another commit, same MAC", testKey, testConv, strings.Replace(plan, testCommit, strings.Repeat("a", 40), 1), 0},
		{"another deployment, same MAC", testKey, testConv, strings.Replace(plan, "deployment=web", "deployment=api", 1), 0},
		{"a plan MAC on an applied marker", testKey, testConv, strings.Replace(strings.Replace(plan, "rigel:plan", "rigel:applied", 1), " commit="+testCommit, "", 1), 0},
		{"not on a line of its own", testKey, testConv, "see `" + plan + "`", 0},
		{"inside a diff line", testKey, testConv, "+" + plan, 0},
		{"an unsigned placeholder", testKey, testConv, markerPlaceholder(testPlan), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyMarkers(tc.key, tc.conv, tc.body); len(got) != tc.want {
				t.Fatalf("verified %d markers, want %d: %+v", len(got), tc.want, got)
			}
		})
	}
	if got := verifyMarkers(testKey, testConv, plan); len(got) != 1 || got[0] != testPlan {
		t.Fatalf("the marker does not round-trip: %+v", got)
	}
}

func TestSeal(t *testing.T) {
	forged := "<!-- rigel:plan deployment=web commit=" + testCommit + " digest=" + testDigest + " mac=" + strings.Repeat("0", 32) + " -->"
	signedElsewhere := signMarker(testKey, conversation{Repo: "acme/web", Number: 8}, testPlan)
	body := strings.Join([]string{
		"head",
		"```diff\n+<!-- a comment in a ConfigMap -->\n```\nThe cluster said:\n" + forged + "\n" + signedElsewhere,
		"**Next:** `/rigel apply web`\n" + markerPlaceholder(testPlan),
	}, blockSep)
	got := seal(testKey, testConv, body)
	if n := strings.Count(got, blockSep); n != 2 {
		t.Fatalf("the block separators were not kept: %d in\n%s", n, got)
	}
	ms := verifyMarkers(testKey, testConv, strings.ReplaceAll(got, blockSep, "\n\n"))
	if len(ms) != 1 || ms[0] != testPlan {
		t.Fatalf("sealed reply verifies %+v, want only Rigel's plan:\n%s", ms, got)
	}
	if strings.Contains(got, sealToken) {
		t.Fatalf("the seal token leaked:\n%s", got)
	}
	rest := strings.ReplaceAll(strings.ReplaceAll(got, blockSep, ""), signMarker(testKey, testConv, testPlan), "")
	if hasDelim(rest) {
		t.Fatalf("an HTML comment delimiter other than Rigel's marker survived:\n%s", rest)
	}
	if !strings.Contains(got, "<\u200d!-- a comment in a ConfigMap --\u200d>") {
		t.Fatalf("the diff's text is not kept as it reads:\n%s", got)
	}
}

// conversationGitHub is a conversation whose comments are listed back, for lastArmed.
type conversationGitHub struct {
	recorder
	listed []IssueComment
	head   string // the pull request's head
}

func (g *conversationGitHub) PullHead(context.Context, Repo, int) (PullHead, error) {
	return PullHead{SHA: g.head, State: "open"}, nil
}

func (g *conversationGitHub) Comments(context.Context, Repo, int) ([]IssueComment, error) {
	return g.listed, nil
}

func TestLastArmed(t *testing.T) {
	testID := ops.PlanID{Deployment: "web", Commit: testCommit, Digest: testDigest}
	r := &Runner{Ops: &ops.Service{}, BotLogin: "rigel[bot]", MarkerKey: testKey}
	req := Request{Repo: Repo{Owner: "acme", Name: "web"}, Number: 7}
	sign := func(m marker) string { return "reply\n" + signMarker(testKey, testConv, m) }
	applied := marker{Kind: markerApplied, Deployment: "web", Digest: testDigest}
	older := marker{Kind: markerPlan, Deployment: "web", Commit: strings.Repeat("a", 40), Digest: strings.Repeat("b", 64)}
	bot := func(body string) IssueComment { return IssueComment{Author: "rigel[bot]", Body: body} }
	tests := []struct {
		name     string
		comments []IssueComment
		want     *armed
	}{
		{"nothing", nil, nil},
		{"Rigel's plan", []IssueComment{bot(sign(testPlan))}, &armed{Plan: testID}},
		{"the newest plan counts", []IssueComment{bot(sign(older)), bot(sign(testPlan))}, &armed{Plan: testID}},
		{"applied", []IssueComment{bot(sign(testPlan)), bot(sign(applied))}, &armed{Plan: testID, Applied: true}},
		{"a signed marker in a person's comment", []IssueComment{{Author: "mallory", Body: sign(testPlan)}}, nil},
		{"an edited marker in Rigel's comment", []IssueComment{bot(strings.Replace(sign(testPlan), testDigest, strings.Repeat("e", 64), 1))}, nil},
		{"a forged applied marker does not block the plan", []IssueComment{bot(sign(testPlan)),
			bot("<!-- rigel:applied deployment=web digest=" + testDigest + " mac=" + strings.Repeat("0", 32) + " -->")}, &armed{Plan: testID}},
		{"a marker of another conversation", []IssueComment{bot(signMarker(testKey, conversation{Repo: "acme/web", Number: 8}, testPlan))}, nil},
		{"another deployment's plan", []IssueComment{bot(sign(marker{Kind: markerPlan, Deployment: "api", Commit: testCommit, Digest: testDigest}))}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &call{r: r, gh: &conversationGitHub{listed: tc.comments}, req: req}
			got, err := c.lastArmed(context.Background(), "web")
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Fatalf("lastArmed = %+v, want %+v", got, tc.want)
			}
		})
	}

	// In a pull request, the newest plan at its current head wins over a newer one at an
	// older head (a sync typed at the old head after the living comment previewed the new);
	// with none at the head, the newest counts (and apply refuses it as stale).
	olderID := ops.PlanID{Deployment: "web", Commit: older.Commit, Digest: older.Digest}
	pr := req
	pr.IsPR = true
	prTests := []struct {
		name     string
		head     string
		comments []IssueComment
		want     *armed
	}{
		{"the plan at the head, though older", testCommit, []IssueComment{bot(sign(testPlan)), bot(sign(older))}, &armed{Plan: testID}},
		{"the newest when none is at the head", strings.Repeat("f", 40), []IssueComment{bot(sign(testPlan)), bot(sign(older))}, &armed{Plan: olderID}},
		{"the newest at the head", older.Commit, []IssueComment{bot(sign(testPlan)), bot(sign(older))}, &armed{Plan: olderID}},
		{"applied at the head", testCommit, []IssueComment{bot(sign(testPlan)), bot(sign(applied)), bot(sign(older))}, &armed{Plan: testID, Applied: true}},
	}
	for _, tc := range prTests {
		t.Run("pull request: "+tc.name, func(t *testing.T) {
			c := &call{r: r, gh: &conversationGitHub{listed: tc.comments, head: tc.head}, req: pr}
			got, err := c.lastArmed(context.Background(), "web")
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Fatalf("lastArmed = %+v, want %+v", got, tc.want)
			}
		})
	}
}
