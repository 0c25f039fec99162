package fix

import (
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// configRef is a ConfigMap or Secret (or one key of it) a pod template reads.
type configRef struct {
	kind      string // "ConfigMap" or "Secret"
	name, key string // key "" = the whole object
	where     untrusted.Text
	optional  bool
	// Where a FieldRef edit renames the name or the key ("" where Rigel edits none: envFrom,
	// projected volumes, items), and of which container.
	nameRef, keyRef, container string
}

// configRefs lists what a pod template reads from ConfigMaps and Secrets: env valueFrom,
// envFrom, and configMap, secret and projected volumes (with their items' keys).
func configRefs(spec corev1.PodSpec) []configRef {
	var out []configRef
	opt := func(b *bool) bool { return b != nil && *b }
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			where := untrusted.Textf("variable %s of container %s", untrusted.Code(e.Name), untrusted.Code(c.Name))
			at := refEnv + e.Name + "."
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				out = append(out, configRef{"ConfigMap", r.Name, r.Key, where, opt(r.Optional), at + "configMapKeyRef.name", at + "configMapKeyRef.key", c.Name})
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				out = append(out, configRef{"Secret", r.Name, r.Key, where, opt(r.Optional), at + "secretKeyRef.name", at + "secretKeyRef.key", c.Name})
			}
		}
		for _, f := range c.EnvFrom {
			where := untrusted.Textf("the envFrom of container %s", untrusted.Code(c.Name))
			if r := f.ConfigMapRef; r != nil {
				out = append(out, configRef{kind: "ConfigMap", name: r.Name, where: where, optional: opt(r.Optional)})
			}
			if r := f.SecretRef; r != nil {
				out = append(out, configRef{kind: "Secret", name: r.Name, where: where, optional: opt(r.Optional)})
			}
		}
	}
	items := func(kind, name string, keys []corev1.KeyToPath, where untrusted.Text, optional bool, nameRef string) {
		out = append(out, configRef{kind: kind, name: name, where: where, optional: optional, nameRef: nameRef})
		for _, k := range keys {
			out = append(out, configRef{kind: kind, name: name, key: k.Key, where: where, optional: optional})
		}
	}
	for _, v := range spec.Volumes {
		where := untrusted.Textf("volume %s", untrusted.Code(v.Name))
		switch {
		case v.ConfigMap != nil:
			items("ConfigMap", v.ConfigMap.Name, v.ConfigMap.Items, where, opt(v.ConfigMap.Optional), refVolume+v.Name+".configMap.name")
		case v.Secret != nil:
			items("Secret", v.Secret.SecretName, v.Secret.Items, where, opt(v.Secret.Optional), refVolume+v.Name+".secret.secretName")
		case v.Projected != nil:
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil {
					items("ConfigMap", s.ConfigMap.Name, s.ConfigMap.Items, where, opt(s.ConfigMap.Optional), "")
				}
				if s.Secret != nil {
					items("Secret", s.Secret.Name, s.Secret.Items, where, opt(s.Secret.Optional), "")
				}
			}
		}
	}
	return out
}

// missingConfig: a container cannot start, or a volume cannot be mounted, because a ConfigMap
// or Secret the pod template reads, or a key of one, does not exist (kube.LacksConfig). Rigel
// names each missing one (Secrets by name and key names only, never a value) and, when the
// missing name is one or two letters from exactly one that exists, says which it likely
// meant.
func (g *diagnosis) missingConfig() {
	cfg := g.st.Config
	if cfg == nil {
		return
	}
	said := map[string]bool{} // kind/name/key said missing (key "" for the object)
	for _, r := range configRefs(g.st.Template.Spec) {
		if r.optional || r.name == "" {
			continue
		}
		all := cfg.ConfigMaps
		if r.kind == "Secret" {
			all = cfg.Secrets
		}
		keys, exists := all[r.name]
		switch object := r.kind + "/" + r.name + "/"; {
		case !exists && !said[object]:
			said[object], g.recognised = true, true
			line := untrusted.Textf("%s %s, which %s reads, does not exist in namespace %s", r.kind, untrusted.Code(r.name), r.where, untrusted.Code(g.st.Ref.Namespace))
			g.say("%s.%s", line, g.likelyMeant(r.kind, r.name, sortedKeys(all), r.nameRef, r.container))
		case exists && r.key != "" && !slices.Contains(keys, r.key) && !said[object+r.key]:
			said[object+r.key], g.recognised = true, true
			line := untrusted.Textf("%s %s has no key %s, which %s reads; its keys are %s", r.kind, untrusted.Code(r.name), untrusted.Code(r.key), r.where, codeList(keys))
			g.say("%s.%s", line, g.likelyMeant("key", r.key, keys, r.keyRef, r.container))
		}
	}
}

// RuleTypo is the rule of a reference to a ConfigMap, Secret or key that does not exist.
const RuleTypo = "a reference to a ConfigMap, Secret or key that does not exist, one or two letters from exactly one that does, goes to that one"

// likelyMeant names the one candidate one or two edits away from typed, "" when there is
// none or several; with it, and a reference Rigel edits (ref, a FieldRef Key), it proposes
// the rename (RuleTypo).
func (g *diagnosis) likelyMeant(what, typed string, candidates []string, ref, container string) untrusted.Text {
	m := typoOf(typed, candidates)
	if m == "" {
		return untrusted.Own("")
	}
	if ref == "" {
		return untrusted.Textf(" The manifest likely means %s %s (the only one a letter or two away); Rigel does not edit this kind of reference, so it proposes nothing.", what, untrusted.Code(m))
	}
	g.propose(Edit{Field: FieldRef, Key: ref, Value: m, Container: container}, RuleTypo)
	// Not "Rigel proposes it": on a chart the rename may not be placed (chart_ref.go); the
	// proposal says what it edits.
	return untrusted.Textf(" The manifest likely means %s %s (the only one a letter or two away).", what, untrusted.Code(m))
}

// typoOf returns the one candidate at an edit distance of 1 or 2 from typed, else "".
func typoOf(typed string, candidates []string) string {
	found := ""
	for _, c := range candidates {
		if d := editDistance(typed, c, 3); d >= 1 && d <= 2 {
			if found != "" {
				return ""
			}
			found = c
		}
	}
	return found
}

// editDistance is the Levenshtein distance of a and b, or bound when it is bound or more.
func editDistance(a, b string, bound int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= bound || -d >= bound {
		return bound
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], bound)
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// codeList is names as code spans, "none" when there are none; at most 20 of them.
func codeList(names []string) untrusted.Text {
	if len(names) == 0 {
		return untrusted.Own("none")
	}
	out := untrusted.Own("")
	for i, n := range names {
		if i == 20 {
			return untrusted.Textf("%s and %d more", out, len(names)-20)
		}
		sep := ", "
		if i == 0 {
			sep = ""
		}
		out = untrusted.Textf("%s%s%s", out, sep, untrusted.Code(n))
	}
	return out
}
