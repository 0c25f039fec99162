package sync

import "strings"

// What each kustomize field may hold, for the hermetic check (hermetic.go). The check is
// deny-by-default: every string value of a kustomization and of every plugin config is
// walked, and a field not listed here is checked as if it could name a URL (a string that
// kustomize would treat as remote is refused). Listed fields are either
//
//   - data only (never read as a path or a URL by kustomize, so a URL there is just text):
//     apiVersion, kind, metadata, namePrefix, nameSuffix, namespace, commonLabels, labels,
//     commonAnnotations, images, imageTags, replicas, vars, sortOptions, buildMetadata,
//     generatorOptions; patches[].patch, .target and .options; patchesJson6902[].patch and
//     .target; replacements[].source, .sourceValue and .targets; configMapGenerator and
//     secretGenerator literals, name, namespace, behavior, type and options; in plugin
//     configs the same fields of the built-in plugins (PatchTransformer patch, target;
//     PatchJson6902Transformer jsonOp, target; PatchStrategicMergeTransformer patches;
//     ReplacementTransformer replacements[].source/targets; ValueAddTransformer value,
//     targets; LabelTransformer labels; AnnotationsTransformer annotations;
//     ImageTagTransformer imageTag; PrefixTransformer prefix; …; fieldSpecs everywhere);
//   - paths (checked: not a URL or remote repository, not absolute, not outside the
//     repository): resources, bases and components (a file or a kustomization folder, which
//     is checked in turn); crds, configurations, patches[].path, patchesJson6902[].path,
//     replacements[].path, configMapGenerator/secretGenerator files (key=path), envs and
//     env; patchesStrategicMerge entries that are not an inline patch; in plugin configs
//     ConfigMapGenerator/SecretGenerator files/envs/env, PatchTransformer path,
//     PatchJson6902Transformer path, PatchStrategicMergeTransformer paths,
//     ReplacementTransformer replacements[].path and ValueAddTransformer targetFilePath;
//   - plugin lists: generators, transformers and validators. An entry is an inline plugin
//     config (a YAML string, possibly several documents) or a path: a file of plugin configs
//     or a folder whose kustomization lists them (that folder may hold only resources:,
//     since anything else could rewrite the configs). Every config must be one of
//     kustomize's built-in plugins (apiVersion builtin) and is checked field by field as
//     above; exec, Go, KRM-function and containerized plugins are refused here and are
//     disabled in the kustomize options (kustomizeOptions);
//   - refused outright: helmCharts and helmGlobals in any kustomization but the one built
//     (whose helmCharts render_kustomize_helm.go renders before the build, through Rigel's
//     chart path), helmChartInflationGenerator (and the HelmChartInflationGenerator plugin);
//     openapi: kustomize keeps a custom schema (or version) for the whole process,
//     where it would change the builds of other deployments.

// role is what a field holds.
type role int

const (
	roleCheck       role = iota // not known to be data: walked, URL forms refused
	roleData                    // data only: skipped
	roleFile                    // a file kustomize reads
	roleFileSource              // [key=]file of a ConfigMap/Secret generator
	roleRef                     // a file or a kustomization folder (resources, bases, components)
	rolePlugins                 // an inline plugin config, a file of them or a folder listing them
	rolePatchOrFile             // an inline strategic merge patch, or a file holding one
	roleRefuse                  // refused whenever set
)

// spec describes a field: its role, or for an object (or a list of objects) its fields.
type spec struct {
	role   role
	fields map[string]*spec
	why    string // for roleRefuse: the reason, after "is refused: "
}

var (
	data       = &spec{role: roleData}
	fileField  = &spec{role: roleFile}
	fileSource = &spec{role: roleFileSource}
	refField   = &spec{role: roleRef}
	plugins    = &spec{role: rolePlugins}
	patchOrF   = &spec{role: rolePatchOrFile}
)

func object(fields map[string]*spec) *spec { return &spec{fields: fields} }

func refused(why string) *spec { return &spec{role: roleRefuse, why: why} }

const (
	helmRefusal    = "Rigel renders helmCharts only in the kustomization it builds (the deployment's folder), not in one the build reaches through resources or components: move the helmCharts entry to the deployment's kustomization, or register the chart folder as a deployment of its own"
	helmGenRefusal = "it is kustomize's older form of helmCharts, which Rigel does not render: use helmCharts in the deployment's kustomization"
	openAPIRefusal = "kustomize keeps a custom OpenAPI schema (or version) for the whole process, where it would change the builds of other deployments: remove it, Rigel builds with kustomize's built-in schema"
)

// generatorArgs are the fields of a configMapGenerator or secretGenerator entry, and of the
// ConfigMapGenerator and SecretGenerator plugins.
func generatorArgs() map[string]*spec {
	return map[string]*spec{
		"files": fileSource, "envs": fileField, "env": fileField,
		"literals": data, "name": data, "namespace": data, "behavior": data, "type": data, "options": data,
	}
}

// kustomizationSpec is the kustomization file (canonical field names, as kustomize decodes it).
var kustomizationSpec = object(map[string]*spec{
	"apiVersion": data, "kind": data, "metadata": data,
	"namePrefix": data, "nameSuffix": data, "namespace": data,
	"commonLabels": data, "labels": data, "commonAnnotations": data,
	"images": data, "imageTags": data, "replicas": data, "vars": data,
	"sortOptions": data, "buildMetadata": data, "generatorOptions": data,

	"resources": refField, "bases": refField, "components": refField,
	"crds": fileField, "configurations": fileField,
	"generators": plugins, "transformers": plugins, "validators": plugins,

	"patches":               object(map[string]*spec{"path": fileField, "patch": data, "target": data, "options": data}),
	"patchesJson6902":       object(map[string]*spec{"path": fileField, "patch": data, "target": data, "options": data}),
	"patchesStrategicMerge": patchOrF,
	"replacements":          object(map[string]*spec{"path": fileField, "source": data, "sourceValue": data, "targets": data}),
	"configMapGenerator":    object(generatorArgs()),
	"secretGenerator":       object(generatorArgs()),

	"openapi":                     refused(openAPIRefusal),
	"helmCharts":                  refused(helmRefusal),
	"helmGlobals":                 refused(helmRefusal),
	"helmChartInflationGenerator": refused(helmGenRefusal),
})

// pluginFolderFields are the fields a kustomization listed by generators, transformers or
// validators may set: anything else could rewrite the plugin configs it lists.
var pluginFolderFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "resources": true, "bases": true}

// pluginSpecs are kustomize's built-in plugins (apiVersion builtin) by kind. Plugin configs
// are decoded by encoding/json, so their field names match case-insensitively (lookup).
var pluginSpecs = map[string]*spec{
	"ConfigMapGenerator":          object(withMeta(generatorArgs())),
	"SecretGenerator":             object(withMeta(generatorArgs())),
	"IAMPolicyGenerator":          object(withMeta(map[string]*spec{"cloud": data, "kubernetesService": data, "serviceAccount": data})),
	"HelmChartInflationGenerator": refused(helmGenRefusal),

	"PatchTransformer":               object(withMeta(map[string]*spec{"path": fileField, "patch": data, "target": data, "options": data})),
	"PatchJson6902Transformer":       object(withMeta(map[string]*spec{"path": fileField, "jsonOp": data, "target": data})),
	"PatchStrategicMergeTransformer": object(withMeta(map[string]*spec{"paths": patchOrF, "patches": data})),
	"ReplacementTransformer":         object(withMeta(map[string]*spec{"replacements": object(map[string]*spec{"path": fileField, "source": data, "sourceValue": data, "targets": data})})),
	"ValueAddTransformer":            object(withMeta(map[string]*spec{"targetFilePath": fileField, "value": data, "targets": data})),

	"AnnotationsTransformer":  object(withMeta(map[string]*spec{"annotations": data, "fieldSpecs": data})),
	"LabelTransformer":        object(withMeta(map[string]*spec{"labels": data, "fieldSpecs": data})),
	"NamespaceTransformer":    object(withMeta(map[string]*spec{"fieldSpecs": data, "unsetOnly": data, "setRoleBindingSubjects": data})),
	"PrefixTransformer":       object(withMeta(map[string]*spec{"prefix": data, "fieldSpecs": data})),
	"SuffixTransformer":       object(withMeta(map[string]*spec{"suffix": data, "fieldSpecs": data})),
	"ImageTagTransformer":     object(withMeta(map[string]*spec{"imageTag": data, "fieldSpecs": data})),
	"ReplicaCountTransformer": object(withMeta(map[string]*spec{"replica": data, "fieldSpecs": data})),
	"SortOrderTransformer":    object(withMeta(map[string]*spec{"sortOptions": data})),
	"HashTransformer":         object(withMeta(map[string]*spec{})),
}

func withMeta(m map[string]*spec) map[string]*spec {
	m["apiVersion"], m["kind"], m["metadata"] = data, data, data
	return m
}

// lookup returns the spec of field name of s: exactly for a kustomization (which kustomize
// decodes and Rigel re-encodes with canonical names), case-insensitively for a plugin config
// (fold), as encoding/json matches them. nil: not listed.
func (s *spec) lookup(name string, fold bool) *spec {
	if s == nil || s.fields == nil {
		return nil
	}
	if f, ok := s.fields[name]; ok {
		return f
	}
	if fold {
		for k, f := range s.fields {
			if strings.EqualFold(k, name) {
				return f
			}
		}
	}
	return nil
}
