package commands

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/fix"
	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/ops"
)

// TestFixModelReplyGolden: a fix the model was asked about and that proposes nothing is
// answered with what came of the model first, then what happened, what Rigel saw in
// <details>, and what to type; in a follow-up, how to amend the pull request.
func TestFixModelReplyGolden(t *testing.T) {
	ref := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	d := &fix.Diagnosis{Findings: []untrusted.Text{
		untrusted.Own("Container `app` restarted 7 times (exit code 3, reason Error)."),
		untrusted.Textf("Rigel asked the model %s, which gave no answer it can use (timeout): %s.", untrusted.Code("tiny-1"), untrusted.Quote("no answer within 5s")),
	}}
	for _, tc := range []struct {
		name  string
		v     ops.ModelVerdict
		first string
		next  string
	}{
		{"fix_model_no_answer", ops.ModelVerdict{Name: "tiny-1", Kind: ops.ModelNoAnswer, Why: untrusted.Textf("timeout: %s", untrusted.Quote("no answer within 5s"))},
			"🤖 The model `tiny-1` gave no answer Rigel can use for Deployment `web` in namespace `shop` (timeout: ", "**Next:** type `/rigel fix deploy/web -n shop` again later to ask again"},
		{"fix_model_refused", ops.ModelVerdict{Name: "tiny-1", Kind: ops.ModelRefused, Why: untrusted.Own("its patch sets `/metadata/name`: a patch may set values under `/spec`")},
			"🛑 Rigel refused what the model `tiny-1` proposed for Deployment `web` in namespace `shop`: its patch sets `/metadata/name`", "**Next:** to change the manifest through a pull request yourself"},
		{"fix_model_no_edit", ops.ModelVerdict{Name: "tiny-1", Kind: ops.ModelNoEdit},
			"🔍 The model `tiny-1` proposes no change for Deployment `web` in namespace `shop`, and Rigel's rules have no fix for it.", "**Next:** to change the manifest"},
		{"fix_model_followup_no_answer", ops.ModelVerdict{Name: "tiny-1", Kind: ops.ModelNoAnswer, Why: untrusted.Own("malformed"), FollowUp: true},
			"🤖 The model `tiny-1` gave no answer", "**Next:** to amend this pull request yourself, type `/rigel fix deployment/web -n shop set memory=512Mi`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderModelNoFix(ref, d, &tc.v)
			lines := strings.SplitN(got, "\n", 2)
			if !strings.HasPrefix(lines[0], tc.first) || !strings.HasSuffix(lines[0], "Nothing was changed.") {
				t.Errorf("first line %q, want it to start %q and say nothing was changed", lines[0], tc.first)
			}
			if !strings.Contains(got, "<details><summary>What Rigel saw (2)</summary>") || !strings.Contains(got, tc.next) {
				t.Errorf("reply lacks the details or %q:\n%s", tc.next, got)
			}
			golden(t, tc.name, strings.ReplaceAll(got, blockSep, "\n\n"))
		})
	}
}
