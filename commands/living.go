package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/ops"
	"github.com/rigel-gitops/rigel/sync"
)

// The living comment (issue 11): each (pull request, deployment) has one preview comment of
// Rigel's, found by its signed living marker, edited in place on each new head, with a line
// of the heads it previewed before. Rigel's own typed previews of the deployment that a new
// head made outdated are hidden (minimized as OUTDATED).

// noDigest is the living marker's digest when no plan was made (a render error, a failure).
var noDigest = strings.Repeat("0", 64)

// maxHistory is how many earlier heads the history line keeps.
const maxHistory = 10

// living is a deployment's living comment in a pull request.
type living struct {
	ID      int64
	Head    string   // the head it previews now
	Summary string   // the short summary of that head's preview (historyWord)
	History []string // earlier heads, newest first: "`abc1234` summary"
}

// conversationState is what Rigel's own comments of a pull request say, for autoplan: each
// deployment's living comment, and the typed previews.
type conversationState struct {
	living map[string]*living // by deployment
	typed  []typedPreview
}

// typedPreview is one of Rigel's replies to a typed /rigel diff or sync in the pull request.
type typedPreview struct {
	Comment IssueComment
	Deps    map[string]string // deployment → the short commit it previewed
	// Parts are the comments that continue Comment when the reply was split (split.go's
	// "Part i of n" for i > 1, posted right after it): hidden with it.
	Parts []IssueComment
}

var (
	// livingHead reads the first line of a living comment Rigel wrote.
	livingHead = regexp.MustCompile("^\\S* ?\\*\\*Rigel preview of `([a-z0-9-]+)` at `([0-9a-f]{7})`:\\*\\* ([a-z0-9 ,]+)")
	// historyEntry reads an entry of a living comment's history line.
	historyEntry = regexp.MustCompile("`([0-9a-f]{7})` ([a-z0-9 ,]+)")
	// typedHead finds the previews of a typed /rigel diff or sync (render.go's renderPlan).
	typedHead = regexp.MustCompile("(?m)^\\*\\*Rigel (?:diff|sync preview) of `([a-z0-9-]+)` at `([0-9a-f]{7})`:\\*\\*")
	// partHead reads the first line of a part after the first of a split reply (split.go).
	partHead = regexp.MustCompile(`^<sub>Part ([0-9]+) of ([0-9]+): `)
)

const historyLead = "<sub>Earlier heads: "

// unchangedWord is the summary of a head that no longer changes the deployment's inputs.
const unchangedWord = "not changed"

// readConversation reads Rigel's own comments of a pull request. Only comments by Rigel count,
// and a living comment only with a living marker that verifies for this conversation; what it
// reads of their text is held to the narrow forms Rigel writes.
func (r *Runner) readConversation(ctx context.Context, gh GitHub, req Request) (*conversationState, error) {
	comments, err := gh.Comments(ctx, req.Repo, req.Number)
	if err != nil {
		return nil, fmt.Errorf("failed to read the comments of #%d: %w", req.Number, err)
	}
	st := &conversationState{living: map[string]*living{}}
	key, conv := r.markerKey(), conversationOf(req)
	for _, cm := range comments {
		if !strings.EqualFold(cm.Author, r.BotLogin) {
			continue
		}
		isLiving := false
		for _, m := range verifyMarkers(key, conv, cm.Body) {
			if m.Kind != markerLiving {
				continue
			}
			isLiving = true
			if _, seen := st.living[m.Deployment]; seen {
				continue // the first one is the living one
			}
			l := &living{ID: cm.ID, Head: m.Commit}
			if h := livingHead.FindStringSubmatch(cm.Body); h != nil && h[1] == m.Deployment && strings.HasPrefix(m.Commit, h[2]) {
				l.Summary = strings.TrimSpace(h[3])
			}
			for _, line := range strings.Split(cm.Body, "\n") {
				if rest, ok := strings.CutPrefix(line, historyLead); ok {
					for _, e := range historyEntry.FindAllStringSubmatch(rest, maxHistory) {
						l.History = append(l.History, fmt.Sprintf("`%s` %s", e[1], strings.TrimSpace(e[2])))
					}
				}
			}
			st.living[m.Deployment] = l
		}
		if isLiving {
			continue
		}
		if n := len(st.typed); n > 0 && continuesTyped(st.typed[n-1], cm.Body) {
			st.typed[n-1].Parts = append(st.typed[n-1].Parts, cm)
			continue
		}
		if found := typedHead.FindAllStringSubmatch(cm.Body, -1); len(found) > 0 {
			tp := typedPreview{Comment: cm, Deps: map[string]string{}}
			for _, f := range found {
				tp.Deps[f[1]] = f[2]
			}
			st.typed = append(st.typed, tp)
		}
	}
	return st, nil
}

// historyWord is the short summary of an outcome, in the narrow form the history line keeps
// (lower-case letters, digits, spaces and commas).
func historyWord(o ops.AutoplanOutcome) string {
	var rf *ops.RenderFailed
	switch {
	case o.Preview == nil && o.Err == nil:
		return unchangedWord
	case errors.As(o.Err, &rf):
		return "render failed"
	case o.Err != nil && ops.IsRefusal(o.Err):
		return "refused"
	case o.Err != nil:
		return "failed"
	}
	p := o.Preview.Plan
	create, update, _, failed := p.Counts()
	switch {
	case len(p.Violating()) > 0:
		return "refused by policy"
	case failed > 0:
		return fmt.Sprintf("%d refused by the cluster", failed)
	case create+update == 0:
		return "no changes"
	}
	return fmt.Sprintf("%d to create, %d to change", create, update)
}

// noChanges says whether a preview is "no changes" and nothing else: one line says it.
func noChanges(p *sync.Plan) bool {
	create, update, _, failed := p.Counts()
	return create+update+failed == 0 && len(p.Violating()) == 0 && len(ops.TakenFrom(p)) == 0
}

// renderLiving is the body of a deployment's living comment for an outcome (unsealed), with
// the history of the heads before it.
func renderLiving(repo string, o ops.AutoplanOutcome, history []string) string {
	dep, head := o.Deployment.Name, o.Head
	word := historyWord(o)
	digest := noDigest
	var b strings.Builder
	switch {
	case o.Preview == nil && o.Err == nil:
		fmt.Fprintf(&b, "➖ **Rigel preview of %s at %s:** %s — the pull request no longer changes a file folder %s renders, so there is nothing to preview. `/rigel diff %s` previews it anyway.",
			code(dep), code(shortSHA(head)), word, code(o.Deployment.Path), dep)
	case o.Err != nil:
		icon := "⚠️"
		msg, refused := refusal(o.Err)
		if refused {
			icon = "❌"
		} else {
			msg = "Rigel could not preview it: " + mdText(o.Err.Error()) + ". It tries again on the next push; `/rigel diff " + dep + "` tries now."
		}
		fmt.Fprintf(&b, "%s **Rigel preview of %s at %s:** %s.\n\n%s\n\n", icon, code(dep), code(shortSHA(head)), word, livingAbout(o))
		b.WriteString(inert(msg))
		if refused {
			fmt.Fprintf(&b, "\n\n**Next:** fix it and push: this comment is updated on each push.")
		}
	case noChanges(o.Preview.Plan):
		p := o.Preview.Plan
		digest = p.Digest
		fmt.Fprintf(&b, "➖ **Rigel preview of %s at %s:** no changes — the cluster already matches folder %s.\n%s", code(dep), code(shortSHA(head)), code(p.Path), planMarkerFor(p))
	default:
		p := o.Preview.Plan
		digest = p.Digest
		icon := "📋"
		if _, _, _, failed := p.Counts(); failed > 0 || len(p.Violating()) > 0 || len(ops.TakenFrom(p)) > 0 {
			icon = "❌"
		}
		fmt.Fprintf(&b, "%s **Rigel preview of %s at %s:** %s.\n\n%s\n\n", icon, code(dep), code(shortSHA(head)), word, livingAbout(o))
		// The rest is a typed sync's preview: the changes, the next step and the plan marker.
		blocks := strings.Split(renderPlan(repo, o.Preview, true), blockSep)
		b.WriteString(strings.Join(blocks[1:], "\n\n"))
	}
	if len(history) > 0 {
		b.WriteString("\n\n" + historyLead + strings.Join(history, " · ") + "</sub>")
	}
	b.WriteString("\n" + markerPlaceholder(marker{Kind: markerLiving, Deployment: dep, Commit: head, Digest: digest}))
	return b.String()
}

// livingAbout is the line under a living comment's summary: what it previews and why.
func livingAbout(o ops.AutoplanOutcome) string {
	why := ""
	switch {
	case o.Because == "asked for":
		why = " (asked again)"
	case strings.HasPrefix(o.Because, "GitHub listed only"):
		why = " (" + inert(o.Because) + ": every deployment is previewed)"
	case o.Because != "":
		why = ", because this pull request changes " + code(o.Because)
	}
	return fmt.Sprintf("Folder %s at the head `%s`%s. Rigel updates this comment on each push.", code(o.Deployment.Path), o.Head, why)
}

// publishLiving writes the living comment of an outcome: it edits the deployment's living
// comment in place (adding the head it previewed before to the history), or posts it. It
// returns the comment's id.
func (r *Runner) publishLiving(ctx context.Context, gh GitHub, req Request, st *conversationState, o ops.AutoplanOutcome) (int64, error) {
	prev := st.living[o.Deployment.Name]
	var history []string
	if prev != nil {
		history = prev.History
		if prev.Head != o.Head && prev.Summary != "" {
			history = append([]string{fmt.Sprintf("`%s` %s", shortSHA(prev.Head), prev.Summary)}, history...)
		}
		if len(history) > maxHistory {
			history = history[:maxHistory]
		}
	}
	body := strings.ReplaceAll(r.seal(req, renderLiving(req.Repo.FullName(), o, history)), blockSep, "\n\n")
	if len([]rune(body)) > MaxComment {
		body = strings.ReplaceAll(r.seal(req, renderLivingShort(o, history)), blockSep, "\n\n")
	}
	if prev != nil {
		if _, err := gh.EditComment(ctx, req.Repo, prev.ID, body); err != nil {
			return 0, err
		}
		prev.Head, prev.Summary, prev.History = o.Head, historyWord(o), history
		return prev.ID, nil
	}
	id, err := gh.Comment(ctx, req.Repo, req.Number, body)
	if err != nil {
		return 0, err
	}
	st.living[o.Deployment.Name] = &living{ID: id, Head: o.Head, Summary: historyWord(o), History: history}
	return id, nil
}

// renderLivingShort is a living comment whose preview is too long for one comment.
func renderLivingShort(o ops.AutoplanOutcome, history []string) string {
	p := o.Preview.Plan
	var b strings.Builder
	fmt.Fprintf(&b, "📋 **Rigel preview of %s at %s:** %s.\n\n%s\n\n", code(o.Deployment.Name), code(shortSHA(o.Head)), historyWord(o), livingAbout(o))
	fmt.Fprintf(&b, "The preview is too long for one comment: the check run `rigel/preview: %s` holds the start of it, and `/rigel diff %s` posts all of it over several comments.\n\n", o.Deployment.Name, o.Deployment.Name)
	fmt.Fprintf(&b, "**Next:** `/rigel sync %s` previews it again in full and arms `/rigel apply %s`.", o.Deployment.Name, o.Deployment.Name)
	if len(history) > 0 {
		b.WriteString("\n\n" + historyLead + strings.Join(history, " · ") + "</sub>")
	}
	b.WriteString("\n" + markerPlaceholder(marker{Kind: markerLiving, Deployment: o.Deployment.Name, Commit: o.Head, Digest: p.Digest}))
	return b.String()
}

// hideOutdated hides Rigel's replies to typed previews of dep in the pull request at another
// commit than head: a new head made them outdated. A failure is logged: the living comment
// already says what is current.
func (r *Runner) hideOutdated(ctx context.Context, gh GitHub, req Request, st *conversationState, dep, head string) {
	for i := range st.typed {
		tp := &st.typed[i]
		at, ok := tp.Deps[dep]
		if !ok || strings.HasPrefix(head, at) || tp.Comment.NodeID == "" {
			continue
		}
		if err := gh.MinimizeComment(ctx, req.Repo, tp.Comment.NodeID); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Int64("comment", tp.Comment.ID).Msg("failed to hide an outdated preview")
			continue
		}
		tp.Comment.NodeID = "" // hidden: not again in this run
		for j := range tp.Parts {
			part := &tp.Parts[j]
			if part.NodeID == "" {
				continue
			}
			if err := gh.MinimizeComment(ctx, req.Repo, part.NodeID); err != nil {
				zerolog.Ctx(ctx).Warn().Err(err).Int64("comment", part.ID).Msg("failed to hide a part of an outdated preview")
				continue
			}
			part.NodeID = ""
		}
	}
}

// continuesTyped says body is the next part of tp's split reply: "Part i of n" with i one
// more than the parts tp holds, and n the count tp's first comment says.
func continuesTyped(tp typedPreview, body string) bool {
	m := partHead.FindStringSubmatch(body)
	if m == nil || m[1] != strconv.Itoa(len(tp.Parts)+2) {
		return false
	}
	return strings.Contains(tp.Comment.Body, "<sub>Part 1 of "+m[2]+": ")
}
