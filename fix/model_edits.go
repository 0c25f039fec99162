package fix

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/model"
	rsync "github.com/rigel-gitops/rigel/sync"
)

// RuleModel is the rule stated for edits a model proposed: Rigel verified them as its own.
const RuleModel = "proposed by the model %s, not by a rule of Rigel's; Rigel checked that it is an edit of this workload alone, in the vocabulary of `set`, that the folder builds with exactly that change, and that the policy allows it"

// RuleModelPatch is the rule stated for a patch a model proposed.
const RuleModelPatch = "proposed by the model %s, not by a rule of Rigel's; Rigel checked that it is a patch of this workload's own document alone (not its kind, name, namespace or selector), placed in the file that defines each value, that the folder builds with exactly that change, and that the policy allows it"

// IsPatch says whether edits are a model's patch (FieldPatch), not `set` edits.
func IsPatch(edits []Edit) bool { return isPatch(edits) }

// modelFields are the fields a model may edit: the vocabulary of `set` without probes.
var modelFields = map[string]bool{FieldImage: true, FieldMemory: true, FieldCPU: true, FieldReplicas: true, FieldEnv: true}

// ModelEdits turns a model's answer into edits of workload w, or refuses it (a *fault.Invalid
// saying why, in Markdown): an answer for another document, a field outside the vocabulary of
// `set`, a bad value, or a field given twice; or, for an answer with a patch, FieldPatch edits
// (model_edits_patch.go): a path outside spec and the workload's labels and annotations, a
// value that is not a string, number or boolean, both edits and a patch are refused. The edits then go through PlanWith and the
// policy like any other, which verify the rest (the folder builds with exactly that change).
func ModelEdits(w kube.WorkloadRef, a *model.Answer) ([]Edit, error) {
	t := a.Workload
	if !strings.EqualFold(t.Kind, w.Kind) || t.Name != w.Name || t.Namespace != w.Namespace {
		return nil, typedErrorf("its edits are for `%s`, another document than %s: Rigel only takes edits of the workload it asked about", t.Kind+"/"+t.Name+" -n "+t.Namespace, workloadTitle(w))
	}
	if len(a.Patch) > 0 {
		if len(a.Edits) > 0 {
			return nil, typedErrorf("it gives both edits and a patch: Rigel takes one or the other, so that what it verifies is what was proposed")
		}
		return patchEdits(a.Patch)
	}
	var out []Edit
	seen := map[string]bool{}
	for _, me := range a.Edits {
		e := Edit{Field: strings.ToLower(me.Field), Key: me.Key, Value: me.Value, Container: me.Container}
		if !modelFields[e.Field] {
			return nil, typedErrorf("it edits `%s`, which is not one of image, memory, cpu, replicas and env", me.Field)
		}
		if e.Field != FieldEnv && e.Key != "" {
			return nil, typedErrorf("its edit `%s` has a key `%s`: only env edits name one", e.Field, e.Key)
		}
		if e.Field == FieldReplicas && e.Container != "" {
			return nil, typedErrorf("its edit of replicas names container `%s`: replicas are the workload's", e.Container)
		}
		if err := e.Validate(); err != nil {
			return nil, err
		}
		id := e.Field + "." + e.Key + "." + e.Container
		if seen[id] {
			return nil, typedErrorf("it sets `%s` twice", e.String())
		}
		seen[id] = true
		out = append(out, e)
	}
	return out, nil
}

// secretish is an environment variable name whose literal value Rigel does not show a model.
var secretish = regexp.MustCompile(`(?i)pass|secret|token|key|cred|auth|private|cert|session|cookie|salt|signature|dsn|conn`)

// WorkloadManifest is workload w as folder of fsys renders it (with opts for a chart), as YAML
// for a model: only its own document (no other object, so no Secret), with the literal values
// of environment variables whose names look secret withheld (model.Mask). A variable from a
// Secret shows only the Secret's name and key, as the manifest does. A workload the folder
// does not render is a *PlaceError.
func WorkloadManifest(fsys fs.FS, folder string, w kube.WorkloadRef, opts rsync.RenderOptions) (string, error) {
	if !rsync.IsChart(fsys, folder) {
		opts = rsync.RenderOptions{}
	}
	objs, err := rsync.RenderWith(context.Background(), fsys, folder, opts)
	if err != nil {
		return "", &PlaceError{Msg: fmt.Sprintf("Rigel cannot render folder `%s`: %s", folder, untrusted.MarkdownText(err.Error())), Err: err}
	}
	obj, _ := findRendered(objs, w)
	if obj == nil {
		return "", placeErrorf("%s (namespace `%s`) is not defined in folder `%s`%s", workloadTitle(w), w.Namespace, folder, definedList(objs))
	}
	obj = obj.DeepCopy()
	withholdEnv(obj)
	out, err := sigsyaml.Marshal(obj.Object)
	if err != nil {
		return "", fmt.Errorf("failed to write %s as YAML: %w", workloadTitle(w), err)
	}
	return string(out), nil
}

// withholdEnv masks literal env values with secret-looking names in every container.
func withholdEnv(obj *unstructured.Unstructured) {
	spec, _, _ := unstructured.NestedMap(obj.Object, "spec", "template", "spec")
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		cs, _ := spec[list].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			env, _ := cm["env"].([]any)
			for _, v := range env {
				vm, _ := v.(map[string]any)
				name, _ := vm["name"].(string)
				if _, ok := vm["value"]; ok && secretish.MatchString(name) {
					vm["value"] = model.Mask
				}
			}
		}
	}
	_ = unstructured.SetNestedMap(obj.Object, spec, "spec", "template", "spec")
}
