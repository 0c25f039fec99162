package words

import (
	"fmt"

	"github.com/rigel-gitops/rigel/ops"
)

// Label names a target for people: "branch `main`", "PR #7 head", "`refs/tags/v1`".
func Label(t ops.Target) string {
	switch {
	case t.Pull != 0:
		return fmt.Sprintf("PR #%d head", t.Pull)
	case t.Branch != "":
		return "branch `" + t.Branch + "`"
	}
	return "`" + t.Ref + "`"
}
