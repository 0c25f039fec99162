// Package deploy holds Rigel's installation manifests: the kustomize base (base/, applied
// through this folder's kustomization.yaml, `kubectl apply -k deploy/`) that installs Rigel in
// the namespace rigel with a broad ClusterRole, the overlay overlays/namespaced that narrows its
// rights to a list of namespaces, and a template of the credentials Secret
// (secret.example.yaml, applied by neither). chart/rigel is the same installation as a Helm
// chart; its tests render it with Helm's Go library and check it renders the base's objects
// (the overlay's with rbac.scope namespaced), so the two cannot drift.
//
// The package has no code: its tests render the base and the overlay with kustomize, check the
// Deployment's security settings, apply everything to a real kube-apiserver with Rigel's own
// engine and check, impersonating Rigel's ServiceAccount, that its RBAC lets it do its job and
// no more. They also check the GitHub App manifest (../app.yml), the Dockerfile and
// .github/dependabot.yml, the chart with Helm's lint package and its values.schema.json, and
// Rigel's alerts (chart/rigel/rules/rigel-alerts.yaml, the chart's PrometheusRule) and Grafana
// dashboard (grafana/rigel-dashboard.json): every rule and query parses with Prometheus's own
// packages and reads only metrics a real Rigel exports (metricnames_test.go scrapes one).
package deploy
