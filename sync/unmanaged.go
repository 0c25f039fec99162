package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/internal/linediff"
)

// What a preview may show of an object depends on who manages it. The live values of an
// object this deployment manages (its helmsman.dev/source-repo names it) are shown: the
// deployment's own folder put them there. Of any other existing object a preview says only
// that it exists, who manages it and which fields applying would take over, by path: a
// manifest naming an object is not a licence to read it (anyone can open a pull request).

// maxTakeOver bounds the field paths listed for one object.
const maxTakeOver = 40

// Unmanaged is what a preview says of an existing object the deployment does not manage.
// It holds no live value: names of field managers and deployments, and field paths.
type Unmanaged struct {
	// Deployment is the Rigel deployment the object's provenance names ("" when none) and Path
	// its folder.
	Deployment, Path string
	// Managers are the field managers of its managedFields ("kubectl-client-side-apply",
	// "rigel" when another deployment applied it, ...), sorted.
	Managers []string
	// TakeOver are the fields applying would take from those managers, as paths
	// ("data.color", "spec.template.spec.containers[name=web].image"); a Secret's data and
	// stringData are one path each, without keys. More is set when the list was cut.
	TakeOver []string
	More     int
	// OwnerRepo is set by the caller, which knows the registry: the repository in which
	// Deployment is still registered ("" when it is not, or Deployment is ""). Applying such an
	// object would take it from that deployment.
	OwnerRepo string
}

// UnmanagedChanges lists the changes of existing objects the deployment does not manage.
func (p *Plan) UnmanagedChanges() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Unmanaged != nil {
			out = append(out, c)
		}
	}
	return out
}

// liveFacts is what Diff keeps of a live object besides its normalized form: read before
// normalize drops managedFields.
type liveFacts struct {
	deployment, path string
	managers         []string
	fields           []map[string]interface{} // fieldsV1 of each managedFields entry
}

func liveFactsOf(obj map[string]interface{}) liveFacts {
	md, _ := obj["metadata"].(map[string]interface{})
	ann := stringMap(md["annotations"])
	f := liveFacts{deployment: ann[AnnotationSourceRepo], path: ann[AnnotationSourcePath]}
	seen := map[string]bool{}
	list, _ := md["managedFields"].([]interface{})
	for _, e := range list {
		m, _ := e.(map[string]interface{})
		if name, _ := m["manager"].(string); name != "" && !seen[name] {
			seen[name] = true
			f.managers = append(f.managers, name)
		}
		if fs, ok := m["fieldsV1"].(map[string]interface{}); ok {
			f.fields = append(f.fields, fs)
		}
	}
	sort.Strings(f.managers)
	return f
}

// appliedFields is the fieldsV1 of Rigel's apply in a dry-run result: the fields the manifest
// sets, as the apiserver keys them.
func appliedFields(dry map[string]interface{}) map[string]interface{} {
	md, _ := dry["metadata"].(map[string]interface{})
	list, _ := md["managedFields"].([]interface{})
	for _, e := range list {
		m, _ := e.(map[string]interface{})
		if m["manager"] == FieldManager && m["operation"] == "Apply" {
			fs, _ := m["fieldsV1"].(map[string]interface{})
			return fs
		}
	}
	return nil
}

// takeOver lists the paths of the fields that applied sets and that the live object's
// managers own: the fields applying (with force) takes over. Which of them change value is
// not said: it would tell a live value to whoever can guess it.
func takeOver(applied map[string]interface{}, live []map[string]interface{}, secret bool) (paths []string, more int) {
	owned := map[string]interface{}{}
	for _, fs := range live {
		owned = unionFields(owned, fs)
	}
	if sd, ok := applied["f:stringData"].(map[string]interface{}); ok && secret {
		// stringData is written into data: its keys take over data's.
		merged := make(map[string]interface{}, len(applied))
		for k, v := range applied {
			merged[k] = v
		}
		d, _ := applied["f:data"].(map[string]interface{})
		merged["f:data"] = unionFields(d, sd)
		applied = merged
	}
	both := intersectFields(applied, owned)
	seen := map[string]bool{}
	var walk func(prefix string, node map[string]interface{})
	walk = func(prefix string, node map[string]interface{}) {
		leaf := true
		keys := make([]string, 0, len(node))
		for k := range node {
			if k != "." {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			child, _ := node[k].(map[string]interface{})
			p := joinFieldPath(prefix, k)
			if secret && (p == "data" || p == "stringData" || strings.HasPrefix(p, "data.") || strings.HasPrefix(p, "stringData.") ||
				strings.HasPrefix(p, "data[") || strings.HasPrefix(p, "stringData[")) {
				top, _, _ := strings.Cut(p, ".")
				top, _, _ = strings.Cut(top, "[")
				if !seen[top] {
					seen[top] = true
					paths = append(paths, top)
				}
				leaf = false
				continue
			}
			leaf = false
			walk(p, child)
		}
		if leaf && prefix != "" && !seen[prefix] {
			seen[prefix] = true
			paths = append(paths, prefix)
		}
	}
	walk("", both)
	if len(paths) > maxTakeOver {
		more = len(paths) - maxTakeOver
		paths = paths[:maxTakeOver]
	}
	return paths, more
}

func unionFields(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		bm, _ := v.(map[string]interface{})
		if am, ok := out[k].(map[string]interface{}); ok {
			out[k] = unionFields(am, bm)
		} else {
			out[k] = unionFields(nil, bm)
		}
	}
	return out
}

// intersectFields keeps the fields present in both sets (a node owned in both, or a subtree
// with fields in both).
func intersectFields(a, b map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range a {
		bv, ok := b[k]
		if !ok {
			continue
		}
		am, _ := v.(map[string]interface{})
		bm, _ := bv.(map[string]interface{})
		switch {
		case len(am) == 0: // a leaf of a (or "."), present in b
			out[k] = map[string]interface{}{}
		case len(bm) == 0: // b owns k as a whole: all of a under it
			out[k] = am
		default:
			if child := intersectFields(am, bm); len(child) > 0 {
				out[k] = child
			}
		}
	}
	return out
}

// joinFieldPath adds one fieldsV1 key to a path: "f:name" → ".name", "k:{"name":"web"}" →
// "[name=web]", "i:3" → "[3]", "v:…" (an element of a set) → "[…]", without its value.
func joinFieldPath(prefix, key string) string {
	kind, rest, _ := strings.Cut(key, ":")
	switch kind {
	case "f":
		if !plainName(rest) {
			return prefix + "[" + strconv.Quote(rest) + "]"
		}
		if prefix == "" {
			return rest
		}
		return prefix + "." + rest
	case "k":
		var m map[string]interface{}
		if json.Unmarshal([]byte(rest), &m) == nil {
			parts := make([]string, 0, len(m))
			for k, v := range m {
				parts = append(parts, fmt.Sprintf("%s=%v", k, v))
			}
			sort.Strings(parts)
			return prefix + "[" + strings.Join(parts, ",") + "]"
		}
		return prefix + "[…]"
	case "i":
		return prefix + "[" + rest + "]"
	}
	return prefix + "[…]"
}

// plainName reports whether a field name reads unambiguously in a dotted path.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// manifestDiff is the diff of an object whose live side is not shown: every line is the
// manifest's, as sent. A Secret's values are masked.
func (it *item) manifestDiff(c Change, from string) Change {
	after := it.desired.Object
	if groupKind(it.ref) == secretGK {
		after = asStored(after)
		c.Secret = &SecretKeys{} // no key is said to change: nothing was compared
	}
	after = copyTop(after)
	normalize(after)
	if groupKind(it.ref) == secretGK {
		_, after = maskSecrets(nil, after)
	}
	y, err := yaml.Marshal(after)
	if err == nil {
		c.Diff = linediff.Unified(nil, splitLines(y), from, "rigel/"+diffPath(it.ref), 3)
	}
	if err != nil {
		c.Diff = fmt.Sprintf("(diff unavailable: %v)", err)
	}
	return c
}

// hiddenErrMessage is an apiserver error about an object whose live values must not be shown,
// in words that cannot carry them: the reason and the fields the error names, not its
// message (a refused update may quote the live object).
func hiddenErrMessage(err error, r Ref, why string) string {
	if quotesNoObject(err) {
		return err.Error()
	}
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		st := se.ErrStatus
		var parts []string
		if st.Details != nil {
			for _, c := range st.Details.Causes {
				part := c.Field
				if c.Type != "" {
					part += ": " + string(c.Type)
				}
				if part != "" {
					parts = append(parts, part)
				}
			}
		}
		msg := fmt.Sprintf("%s was refused (%s, HTTP %d)", r, st.Reason, st.Code)
		if len(parts) > 0 {
			msg += ": " + strings.Join(parts, "; ")
		}
		return msg + " (the apiserver's message is hidden because " + why + ")"
	}
	return fmt.Sprintf("%s was refused (the message is hidden because %s)", r, why)
}

// quotesNoObject reports whether an apiserver error is of a kind whose message the apiserver
// writes itself without quoting the object: RBAC's refusal (not an admission webhook's, which
// may say anything), a missing namespace, throttling, timeouts.
func quotesNoObject(err error) bool {
	msg := err.Error()
	switch {
	case apierrors.IsForbidden(err):
		return strings.Contains(msg, " is forbidden: User \"") && strings.Contains(msg, " cannot ") && !strings.Contains(msg, "admission")
	case apierrors.IsNotFound(err), apierrors.IsAlreadyExists(err), apierrors.IsUnauthorized(err),
		apierrors.IsTooManyRequests(err), apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		return true
	}
	return false
}

// hiddenBecause is why messages about an unmanaged object are hidden.
const hiddenBecause = "the object exists and this deployment does not manage it: the message may quote its live values"
