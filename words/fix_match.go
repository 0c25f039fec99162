package words

import (
	"sort"
	"strings"

	"github.com/rigel-gitops/rigel/kube"
)

// MaxIssueText bounds how much of an issue's text MatchWorkload reads: a fix request names
// its workload early; the rest is not looked at.
const MaxIssueText = 16 << 10

// WorkloadMatch is what MatchWorkload made of an issue's text.
type WorkloadMatch struct {
	// Ref is the one linked workload the text names; nil when it names none or several.
	Ref *kube.WorkloadRef
	// Named are the linked workloads the text names when it names several (ambiguous); empty
	// when it names none: then every linked workload is a candidate.
	Named []kube.WorkloadRef
}

// MatchWorkload finds the linked workload an issue's text (hostile, read up to MaxIssueText)
// is about, among linked (the workloads linked to the repository's deployments). It reads,
// in this order:
//   - KIND/NAME, with `-n NS`, `--namespace NS`, `--namespace=NS` or `in [namespace] NS` after it
//     (`deploy/web -n shop`);
//   - KIND NAME in [namespace] NS, and KIND NAME alone (`deployment web in shop`);
//   - a word that is exactly the name of a linked workload (`checkout keeps crashing`), with a
//     word naming its namespace to choose between workloads of the same name.
//
// A form found names the workloads of linked it fits; the first form that fits any decides.
// Exactly one workload is a match; several are ambiguous (Named); none is no match.
func MatchWorkload(text string, linked []kube.WorkloadRef) WorkloadMatch {
	if len(text) > MaxIssueText {
		text = text[:MaxIssueText]
	}
	toks := tokens(text)
	words := map[string]bool{}
	for _, t := range toks {
		words[t] = true
	}
	var named []kube.WorkloadRef
	for i, t := range toks {
		kindWord, name, slash := strings.Cut(t, "/")
		var kind string
		var known bool
		next := i + 1
		switch {
		case slash:
			kind, known = kube.WorkloadKind(kindWord)
		case i+1 < len(toks):
			kind, known = kube.WorkloadKind(t)
			name, next = toks[i+1], i+2
		}
		name = strings.Trim(name, ".")
		if !known || name == "" {
			continue
		}
		ns := namespaceAfter(toks[next:])
		named = appendFits(named, linked, func(r kube.WorkloadRef) bool {
			return r.Kind == kind && r.Name == name && (ns == "" || r.Namespace == ns)
		})
	}
	if len(named) == 0 {
		named = appendFits(named, linked, func(r kube.WorkloadRef) bool { return words[strings.ToLower(r.Name)] })
		if len(named) > 1 { // a namespace named too chooses among them
			if in := filterRefs(named, func(r kube.WorkloadRef) bool { return words[strings.ToLower(r.Namespace)] }); len(in) > 0 {
				named = in
			}
		}
	}
	if len(named) == 1 {
		return WorkloadMatch{Ref: &named[0]}
	}
	sortRefs(named)
	return WorkloadMatch{Named: named}
}

// tokens splits text into lower-case words of the characters names are made of (and "/" and
// "=" for KIND/NAME and --namespace=NS); everything else separates.
func tokens(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '/' || r == '=')
	})
}

// namespaceAfter is the namespace the words right after a workload name, "" when none.
func namespaceAfter(toks []string) string {
	if len(toks) == 0 {
		return ""
	}
	t := strings.Trim(toks[0], ".")
	if v, ok := strings.CutPrefix(t, "--namespace="); ok {
		return v
	}
	if v, ok := strings.CutPrefix(t, "-n="); ok {
		return v
	}
	if len(toks) < 2 {
		return ""
	}
	switch t {
	case "-n", "--namespace":
		return strings.Trim(toks[1], ".")
	case "in":
		if toks[1] == "namespace" && len(toks) > 2 {
			return strings.Trim(toks[2], ".")
		}
		return strings.Trim(toks[1], ".")
	}
	return ""
}

// appendFits appends the refs of linked that fit and are not in out yet.
func appendFits(out, linked []kube.WorkloadRef, fits func(kube.WorkloadRef) bool) []kube.WorkloadRef {
	for _, r := range linked {
		if fits(r) && !containsRef(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func filterRefs(refs []kube.WorkloadRef, keep func(kube.WorkloadRef) bool) []kube.WorkloadRef {
	var out []kube.WorkloadRef
	for _, r := range refs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func containsRef(refs []kube.WorkloadRef, r kube.WorkloadRef) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

func sortRefs(refs []kube.WorkloadRef) {
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
}

// FixCommand is the `/rigel fix` command that asks for a fix of ref, as a person types it.
func FixCommand(ref kube.WorkloadRef) string {
	return "/rigel fix " + KindWord(ref.Kind) + "/" + ref.Name + " -n " + ref.Namespace
}

// KindWord is the short word of a workload kind in commands (deploy, sts, ds).
func KindWord(kind string) string {
	switch kind {
	case "Deployment":
		return "deploy"
	case "StatefulSet":
		return "sts"
	case "DaemonSet":
		return "ds"
	}
	return strings.ToLower(kind)
}
