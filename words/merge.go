package words

import (
	"fmt"

	"github.com/rigel-gitops/rigel/ops"
)

// sayNotArmedAtMerge says why a merge applied nothing: its pull request armed no preview of
// the deployment, or one of another head.
func sayNotArmedAtMerge(e *ops.NotArmedAtMerge, h Hints) string {
	if e.Armed == "" {
		return fmt.Sprintf("pull request #%d armed no preview of %s (no living preview and no `/rigel sync` of it), so no preview of it was approved. Nothing was applied. Run %s to preview it.",
			e.Pull, Code(e.Deployment), h.Preview(e.Deployment))
	}
	return fmt.Sprintf("the last preview of %s armed in pull request #%d was of `%s`, but the pull request merged `%s`, which was never previewed. Nothing was applied. Run %s to preview it.",
		Code(e.Deployment), e.Pull, ShortSHA(e.Armed), ShortSHA(e.Head), h.Preview(e.Deployment))
}
