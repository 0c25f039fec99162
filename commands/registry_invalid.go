package commands

import (
	"fmt"
	"github.com/rigel-gitops/rigel/fault"
	"strings"

	"github.com/rigel-gitops/rigel/config"
)

// invalidEntriesError answers a command about registry entries that are not valid (the
// registry is validated on every read, config/registry_validate.go): it names each and what
// to fix. Nothing was done.
func invalidEntriesError(entries []*config.InvalidEntry) error {
	var b strings.Builder
	b.WriteString("the registry entry this command needs is invalid, so Rigel ignores it. Nothing was done.")
	for _, e := range entries {
		b.WriteString("\n\n" + quotedEntry(e))
	}
	return &fault.Invalid{Msg: b.String()}
}

// invalidEntriesNote lists the invalid entries of repo for `/rigel list` ("" when none).
func invalidEntriesNote(src *config.Sources, repo string) string {
	entries := src.InvalidEntries(repo)
	if len(entries) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n\n⚠️ %d registry entr%s of %s %s invalid and ignored until a cluster admin fixes %s in ConfigMap `%s`:",
		len(entries), pluralOf(len(entries), "y", "ies"), repo, pluralOf(len(entries), "is", "are"), pluralOf(len(entries), "it", "them"), config.SourcesConfigMap)
	for _, e := range entries {
		b.WriteString("\n\n" + quotedEntry(e))
	}
	return b.String()
}

// quotedEntry is an entry's problem in a code block: it quotes the ConfigMap's values, which
// whoever can edit the ConfigMap chose, so no mention, link or HTML of theirs renders.
func quotedEntry(e *config.InvalidEntry) string {
	text := visible(e.Error())
	f := fence(text)
	return f + "text\n" + text + "\n" + f
}
