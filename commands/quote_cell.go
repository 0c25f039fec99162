package commands

import (
	"strings"

	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// maxCell bounds the characters of one table cell.
const maxCell = untrusted.MaxCell

// cell is text from the cluster, the registry, a repository or a person, made safe for a
// markdown table cell (untrusted.TableCell).
func cell(s string) string { return untrusted.TableCell(s) }

// cellCode is s as code in a table cell (untrusted.TableCode).
func cellCode(s string) string { return untrusted.TableCode(s) }

// cellCodeList is a list of cellCode items, comma-separated.
func cellCodeList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = cellCode(s)
	}
	return strings.Join(out, ", ")
}
