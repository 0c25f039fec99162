package config

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/rs/zerolog"
)

// The registry is validated on every read (issue 18): whoever can edit the ConfigMap
// helmsman-git-sources could write any entry, so each repo and deployment read is checked
// like one given through a command. A bad entry does not break the others: it is left out of
// the registry Rigel works with (Sources.Repos), kept in Sources.Invalid with what is wrong,
// logged, and written back exactly as read on the next update, never dropped and never
// changed; a command that names it is answered with its problems (ops/deployments.go). An
// update that would register a valid entry under the name of an invalid one is refused, so
// fixing an entry stays a cluster admin's edit of the ConfigMap.

// InvalidEntry is a registry entry Load left out because it is not valid.
type InvalidEntry struct {
	Repo       string   // the repo entry's repo, as written
	Deployment string   // the deployment's name as written; "" when the whole repo entry is invalid
	Problems   []string // what is wrong, each saying what to fix

	raw      Repo // the entry as read: the whole repo, or its fields with only this deployment
	shadowed bool // a valid entry of the same name was read too (a duplicate): writes keep both
}

// Error says what is wrong with the entry and how to fix it.
func (e *InvalidEntry) Error() string {
	what := fmt.Sprintf("the entry of repo %s", e.Repo)
	if e.Deployment != "" {
		what = fmt.Sprintf("the entry of deployment %q (repo %s)", e.Deployment, e.Repo)
	}
	return fmt.Sprintf("%s in ConfigMap %s is invalid: %s. Rigel ignores it until a cluster admin fixes it in the ConfigMap (it is kept as it is meanwhile)",
		what, SourcesConfigMap, strings.Join(e.Problems, "; "))
}

// InvalidDeployment returns the invalid entry that holds a deployment called name: its own
// entry, or the invalid entry of its repo; nil when there is none.
func (s *Sources) InvalidDeployment(name string) *InvalidEntry {
	for i := range s.Invalid {
		e := &s.Invalid[i]
		for _, d := range e.raw.Deployments {
			if d.Name == name {
				return e
			}
		}
	}
	return nil
}

// InvalidEntries returns the invalid entries of the repo named fullName (case-insensitive).
func (s *Sources) InvalidEntries(fullName string) []*InvalidEntry {
	var out []*InvalidEntry
	for i := range s.Invalid {
		if strings.EqualFold(s.Invalid[i].Repo, fullName) {
			out = append(out, &s.Invalid[i])
		}
	}
	return out
}

// validateEntries moves every invalid repo or deployment of s out of s.Repos into s.Invalid,
// and logs each.
func validateEntries(ctx context.Context, s *Sources) {
	var valid []Repo
	names := map[string]string{} // deployment name: its valid repo
	for _, r := range s.Repos {
		if problems := repoProblems(r); len(problems) > 0 {
			s.Invalid = append(s.Invalid, InvalidEntry{Repo: r.Repo, Problems: problems, raw: r})
			continue
		}
		if dup := findRepoIn(valid, r.Repo); dup != nil {
			s.Invalid = append(s.Invalid, InvalidEntry{Repo: r.Repo, Problems: []string{fmt.Sprintf("repo %s is registered twice: merge its entries into one", r.Repo)}, raw: r, shadowed: true})
			continue
		}
		kept := r
		kept.Deployments = nil
		for _, d := range r.Deployments {
			problems := deploymentProblems(d)
			shadowed := false
			if len(problems) == 0 {
				if other, taken := names[d.Name]; taken {
					problems, shadowed = []string{fmt.Sprintf("the name %q is already used by a deployment of %s: deployment names are unique across repos; rename one", d.Name, other)}, true
				}
			}
			if len(problems) > 0 {
				raw := r
				raw.Deployments = []Deployment{d}
				s.Invalid = append(s.Invalid, InvalidEntry{Repo: r.Repo, Deployment: d.Name, Problems: problems, raw: raw, shadowed: shadowed})
				continue
			}
			names[d.Name] = r.Repo
			kept.Deployments = append(kept.Deployments, d)
		}
		if kept.Deployments == nil {
			kept.Deployments = []Deployment{}
		}
		valid = append(valid, kept)
	}
	if valid == nil {
		valid = []Repo{}
	}
	s.Repos = valid
	logInvalid(ctx, s)
}

// logInvalid logs each invalid entry of s, as each read does.
func logInvalid(ctx context.Context, s *Sources) {
	for i := range s.Invalid {
		e := &s.Invalid[i]
		zerolog.Ctx(ctx).Warn().Str("configmap", SourcesConfigMap).Str("repo", e.Repo).Str("deployment", e.Deployment).
			Strs("problems", e.Problems).Msg("invalid registry entry: ignored, and kept as it is")
	}
}

func findRepoIn(repos []Repo, fullName string) *Repo {
	for i := range repos {
		if strings.EqualFold(repos[i].Repo, fullName) {
			return &repos[i]
		}
	}
	return nil
}

// repoProblems checks a repo entry's own fields as read from the ConfigMap.
func repoProblems(r Repo) []string {
	var out []string
	owner, name, ok := strings.Cut(r.Repo, "/")
	if !ok || !ownerPattern.MatchString(owner) || !namePattern.MatchString(name) || name == "." || name == ".." {
		out = append(out, fmt.Sprintf("repo %q is not a GitHub repository: write it as owner/name, e.g. acme/shop", r.Repo))
	}
	if r.Branch != "" && (strings.HasPrefix(r.Branch, "refs/") || plumbing.NewBranchReferenceName(r.Branch).Validate() != nil) {
		out = append(out, fmt.Sprintf("branch %q is not a branch name: write it as git names it, without refs/heads/, e.g. main", r.Branch))
	}
	if r.CloneURL != "" {
		if p := cloneURLShapeProblem(r.CloneURL); p != "" {
			out = append(out, p)
		}
	}
	if r.InstallationID < 0 {
		out = append(out, fmt.Sprintf("installationID %d is not a positive number", r.InstallationID))
	}
	return out
}

// cloneURLShapeProblem says what keeps u from being a well-formed http(s) clone URL without
// credentials ("" when nothing does). Which hosts are allowed is checked apart from it.
func cloneURLShapeProblem(u string) string {
	bad := func(why string) string {
		return fmt.Sprintf("cloneURL %q %s: write an https URL of the repository, e.g. https://github.com/OWNER/NAME.git, or leave cloneURL out", u, why)
	}
	if strings.IndexFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return bad("holds spaces or control characters")
	}
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return bad("is not a URL")
	case p.Scheme != "https" && p.Scheme != "http":
		return bad("is not an http(s) URL")
	case p.Opaque != "" || p.Host == "" || p.Hostname() == "":
		return bad("names no host")
	case p.User != nil:
		return bad("holds credentials (Rigel authenticates with its GitHub identity)")
	case p.RawQuery != "" || p.ForceQuery || p.Fragment != "":
		return bad("has a query or a fragment")
	}
	return ""
}

// deploymentProblems checks a deployment entry as read from the ConfigMap.
func deploymentProblems(d Deployment) []string {
	var out []string
	if err := ValidateName(d.Name); err != nil {
		out = append(out, fmt.Sprintf("name %q is not a deployment name (lower-case letters, digits and '-', at most 63 characters)", d.Name))
	}
	if _, err := CleanPath(d.Path); err != nil || d.Path == "" {
		reason := "is empty"
		if ip, ok := err.(*InvalidPathError); ok {
			reason = ip.Reason
		}
		out = append(out, fmt.Sprintf("path %q %s: write the folder relative to the repository root, e.g. apps/web/k8s", d.Path, reason))
	}
	if d.Policy != nil {
		out = append(out, d.Policy.Problems("its policy")...)
	}
	if d.ApplyOn != ApplyOnCommand && d.ApplyOn != ApplyOnMerge && d.ApplyOn != ApplyOnPush {
		out = append(out, fmt.Sprintf("applyOn %q is not a way to apply: write applyOn: merge to apply it when an approved pull request merges, applyOn: push to apply every push to the branch that changes it, or leave it out to apply only by command", d.ApplyOn))
	}
	out = append(out, reportProblems(d)...) // issue 12, push-triggered sync
	// issue 13, Helm charts: the chart settings (chart.go)
	if d.Chart != nil {
		out = append(out, d.Chart.Problems(d.Path)...)
	}
	// issue 17, jsonnet folders (jsonnet.go)
	if d.Jsonnet != nil {
		out = append(out, d.Jsonnet.Problems()...)
	}
	return out
}

// restoreInvalid returns repos with the invalid entries of s put back as they were read, so a
// write never drops nor changes them. It refuses a write that registered a valid entry under
// the name of an invalid one.
func restoreInvalid(repos []Repo, s *Sources) ([]Repo, error) {
	for _, e := range s.Invalid {
		if e.Deployment == "" {
			if !e.shadowed && findRepoIn(repos, e.Repo) != nil {
				return nil, fmt.Errorf("refusing to register repo %s again: %w", e.Repo, &e)
			}
			repos = append(repos, e.raw)
			continue
		}
		if !e.shadowed {
			if _, d := (&Sources{Repos: repos}).FindDeployment(e.Deployment); d != nil {
				return nil, fmt.Errorf("refusing to register deployment %q: %w", e.Deployment, &e)
			}
		}
		if r := findRepoIn(repos, e.Repo); r != nil {
			r.Deployments = append(r.Deployments, e.raw.Deployments...)
			continue
		}
		// Its repo's valid entry is gone (its last valid deployment was removed): keep the
		// repo's fields with the invalid deployment.
		repos = append(repos, e.raw)
	}
	return repos, nil
}

// removeInvalid drops the invalid entries that keep reports true for: an explicit removal.
func (s *Sources) removeInvalid(keep func(e *InvalidEntry) bool) (removed []InvalidEntry) {
	kept := s.Invalid[:0]
	for i := range s.Invalid {
		if keep(&s.Invalid[i]) {
			kept = append(kept, s.Invalid[i])
		} else {
			removed = append(removed, s.Invalid[i])
		}
	}
	s.Invalid = kept
	if len(s.Invalid) == 0 {
		s.Invalid = nil
	}
	return removed
}

// reportProblems checks where a push's outcome is posted (issue 12): "commit" (the default),
// or "issue#N"; only with applyOn: push.
func reportProblems(d Deployment) []string {
	switch {
	case d.Report == "":
		return nil
	case d.Report != ReportCommit && ReportIssue(d.Report) == 0:
		return []string{fmt.Sprintf("report %q is not a place to report to: write report: commit (a comment on the pushed commit, the default) or report: issue#N (a comment on issue N of the repository)", d.Report)}
	case d.ApplyOn != ApplyOnPush:
		return []string{fmt.Sprintf("report %q is set but the deployment does not apply on push: write applyOn: push too, or leave report out", d.Report)}
	}
	return nil
}
