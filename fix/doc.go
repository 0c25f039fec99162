// Package fix proposes and makes small edits to the manifest of a workload: the engine behind
// `/rigel fix`.
//
// ParseSet turns "image=nginx:1.27", "memory=512Mi", "cpu=500m", "replicas=3" and
// "env.LOG_LEVEL=debug" into Edits. Diagnose reads a workload's pods, their container states and
// events, and its rollout history from the cluster, says what it saw and proposes Edits for what
// it recognises (OOMKilled containers, images that cannot be pulled or whose tag does not exist,
// probes on an undeclared port, requests no node has room for, a reference to a ConfigMap,
// Secret or key with a typo); it says, without an edit, crash loops (exit code and the previous
// run's log tail), other missing ConfigMaps, Secrets or keys, and readiness paths answering 404.
// One file per newer rule (rule_*.go); docs/fix.md lists them all. Plan finds where the workload is defined in a deployment folder of a
// repository (a plain folder, or a kustomization: a patch, the images or replicas field, or the
// base resource) and returns the rewritten files; PlanWith does the same for a Helm chart
// folder rendered with a deployment's chart settings, editing the values file that sets the
// value the workload's template maps directly from values (chart.go, chart_trace.go). Only the
// changed lines differ: the files keep their comments, key order, indentation, quoting and line
// endings. UnifiedDiff renders the changes for people.
//
// Errors for people: a *fault.Invalid is a mistake in what was asked (a bad value, no such
// container, several containers and no --container); a *PlaceError says why an edit cannot be
// placed in the folder (the workload is not there, the value comes from an inline or JSON 6902
// patch, a generator or a remote base, or the build would not change as asked). Neither changes
// anything.
//
// The package knows nothing of GitHub or git: it reads an fs.FS and a cluster.
package fix
