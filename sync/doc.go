// Package sync turns a manifest folder of a repository into Kubernetes objects and compares
// them with a cluster.
//
// Render reads a folder of a repository tree (an fs.FS at one commit) and returns its objects:
// plain YAML/JSON files, or a kustomize build when the folder holds a kustomization. It refuses
// symlinks, paths outside the repository and oversized input. Rendering is hermetic: a
// kustomize build runs over an in-memory, read-only copy of the repository, after every
// kustomization it can reach and every plugin config it can run (inline in generators,
// transformers or validators, in a file they list, or in a folder of them) has been checked
// field by field, deny-by-default (hermetic_fields.go lists the fields): a URL or remote git
// repository, an absolute path or one outside the repository, a plugin other than kustomize's
// built-in ones, a Helm chart in a kustomization the build reaches (helmCharts of the one it
// builds render as below) or a custom OpenAPI schema is refused with a *HermeticError
// naming the file and the field, so a build never opens a network connection nor reads
// outside the repository. Render runs under its context and at most MaxRenderTime (kustomize
// takes no context: its build runs in a goroutine that Render stops waiting for, and that
// stops at its next file access), within MaxFileBytes, MaxKustomizeBytes, MaxKustomizeFiles,
// MaxObjects, MaxRenderedBytes and MaxConcurrentBuilds. ManifestFolders and DeploymentName
// suggest deployments for a repository; ChartFolders lists its Helm charts and their values files.
//
// RenderWith renders a folder holding a Chart.yaml as a Helm chart with Helm's Go SDK
// (render_helm*.go, issue 13), install-like, with the deployment's ChartSettings (release,
// namespace, values files in order, set-files) and the cluster's Capabilities
// (Engine.Capabilities, from discovery): from the repository's files only (vendored charts/,
// file:// dependencies inside the repository; any $ref of values.schema.json leaving it is
// refused), `lookup` answering nothing (ChartLookups names
// the templates that call it), within the bounds of a kustomize build. A template error is a
// *ParseError naming the template and line. CRDs of crds/ come first, then Helm's install
// order, then the hooks (by weight, their helm.sh/hook annotations kept).
// The templates run in render child processes kept warm between renders (at most
// MaxConcurrentBuilds, killed at the deadline, each bounded by MaxChartRenderMemory:
// render_helm_child*.go).
//
// A Chart.lock dependency that is neither vendored nor file:// is fetched only from the
// repositories and OCI registries of RenderOptions.Repos (helm_fetch*.go, the admin's
// RIGEL_HELM_REPOSITORIES), at the locked version, verified against the index's or the
// manifest's sha256 digest and cached by it, over a client that dials only those hosts; any
// other is refused with a *HermeticError. The client trusts the system's roots plus
// ChartRepos.CAFile and sends ChartRepos.CredentialsFile's credentials only to the host they
// are for (helm_fetch_auth.go: added per request, dropped on every redirect, redacted from
// every error). A kustomization's helmCharts render through the same chart path and
// allowlist before the build (render_kustomize_helm.go).
//
// Engine.Diff previews a set of objects with server-side apply in dry-run, fetching the live
// objects alongside, and returns a Plan: one Change per object (create, update with a unified
// YAML diff, unchanged, or error) and a Digest identifying both the desired objects and the
// live state they were compared with. Secret values never appear in a Plan. Engine.Apply
// applies a Plan with server-side apply (Namespaces and CRDs first) and optionally waits for
// the objects to become healthy (kstatus).
//
// With Engine.Inventory set, each deployment's applied objects form a KEP-3659 ApplySet
// (inventory.go): a parent ConfigMap in that namespace, members labelled part-of its id. Diff
// lists the members the objects no longer include as Plan.Orphans (covered by the Digest), and
// Apply with ApplyOptions.Prune deletes them after a healthy apply (inventory_apply.go).
//
// An existing object whose fields client-side `kubectl apply` manages is handed over
// (handover.go): Diff shows, as Change.HandOver and in its diff, the fields git no longer sets
// that Apply removes once it has migrated the object's managed fields to Rigel (csaupgrade),
// and the Digest covers it.
//
// Objects with a hook annotation (helm.sh/hook, argocd.argoproj.io/hook) are hooks (hooks.go):
// Diff keeps them apart as Plan.Hooks (each with its stage, what it runs, its delete policy;
// dry-run created; covered by the Digest), and Apply creates them in their stage, awaits each
// to completion within ApplyOptions.HookTimeout and honours its delete policy
// (hooks_apply.go); the hooks Rigel does not run (helm test, delete and rollback hooks, Skip)
// are listed with why. docs/hooks.md says it for users.
//
// The package knows nothing of GitHub or git. It logs to zerolog.Ctx(ctx): the caller's
// logger names the deployment (and the delivery, repo and issue of a command); sync adds only
// what it knows of its own (commit, counts, durations), never a key twice.
package sync
