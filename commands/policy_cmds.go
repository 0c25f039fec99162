package commands

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/ops"
)

// Who sets a policy: see ops/policy.go. /rigel policy shows it; /rigel add-deployment
// --namespaces sets the first policy of a new deployment, for repository admins only.

func runPolicy(ctx context.Context, c *call) (string, error) {
	if err := c.checkFlags("all"); err != nil {
		return "", err
	}
	_, deps, err := c.deployments(ctx)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(deps))
	for i, d := range deps {
		v := c.r.Ops.Policy(d)
		parts[i] = renderPolicy(v.Deployment, v.Default, v.Protected, v.Namespace)
	}
	return strings.Join(parts, "\n\n---\n\n"), nil
}

// renderPolicy shows the policy that limits d (its own intersected with the default), where
// each rule comes from, and how a cluster admin changes it.
func renderPolicy(d config.Deployment, def config.Policy, protected []string, ns string) string {
	eff := config.Bounded(d.Policy, def, protected)
	own := config.Policy{}
	if d.Policy != nil {
		own = *d.Policy
	}
	var b strings.Builder
	if own.Empty() && def.Empty() {
		fmt.Fprintf(&b, "%s has no policy of its own and the default sets none: it may apply namespaced objects that Rigel's own RBAC allows, except in the protected namespaces below; no cluster-scoped object, and nothing the escalation guard refuses.\n\n", code(d.Name))
	}
	fmt.Fprintf(&b, "**Policy of %s** (folder %s): what it may apply. Its own policy is intersected with the cluster admin's default: it can only narrow it.\n\n| rule | value | set by |\n|---|---|---|\n", code(d.Name), code(d.Path))
	from := func(deployment, dflt bool, env string) string {
		switch {
		case deployment && dflt:
			return "the deployment, and the default (`" + env + "`)"
		case deployment:
			return "the deployment"
		case dflt:
			return "the default (`" + env + "`)"
		}
		return "—"
	}
	nsVal := "any"
	switch {
	case len(eff.Namespaces) > 0 && len(eff.Within) > 0:
		nsVal = cellCodeList(eff.Namespaces) + ", and only within " + cellCodeList(eff.Within)
	case len(eff.Namespaces) > 0:
		nsVal = cellCodeList(eff.Namespaces)
	}
	nsFrom := from(len(own.Namespaces) > 0, len(def.Namespaces) > 0, "RIGEL_DEFAULT_NAMESPACES")
	if len(own.Namespaces) > 0 && len(def.Namespaces) > 0 {
		nsFrom = "the deployment, within the default (`RIGEL_DEFAULT_NAMESPACES`): an object's namespace must match both"
	}
	fmt.Fprintf(&b, "| `namespaces` | %s | %s |\n", nsVal, nsFrom)
	prot := "none"
	if len(eff.Protected) > 0 {
		prot = cellCodeList(eff.Protected) + " refused"
	}
	opened := ""
	for _, p := range protected {
		if !slices.Contains(eff.Protected, p) {
			opened += ", " + code(p)
		}
	}
	if opened != "" {
		opened = "; the default names (and so allows) " + strings.TrimPrefix(opened, ", ")
	}
	fmt.Fprintf(&b, "| protected namespaces | %s | Rigel's own namespace and `RIGEL_PROTECTED_NAMESPACES`, unless the default names one literally%s |\n", prot, opened)
	cs := "allowed"
	if !eff.ClusterScopedAllowed() {
		cs = "not allowed"
	}
	csFrom := from(own.ClusterScoped != nil, def.ClusterScoped != nil, "RIGEL_DEFAULT_CLUSTER_SCOPED")
	switch {
	case own.ClusterScoped != nil && def.ClusterScoped != nil:
		csFrom = "the deployment and the default (`RIGEL_DEFAULT_CLUSTER_SCOPED`): allowed only if both allow"
	case def.ClusterScoped == nil:
		csFrom = "unset in the default (`RIGEL_DEFAULT_CLUSTER_SCOPED`), which refuses; only the default can allow it"
	}
	fmt.Fprintf(&b, "| `clusterScoped` | %s | %s |\n", cs, csFrom)
	nso := "follow `clusterScoped`"
	switch {
	case eff.NamespaceObjectsAllowed():
		nso = "allowed (named as `namespaces` allows)"
	case def.NamespaceObjectsAllowed():
		nso = "follow `clusterScoped` (the deployment takes back the default's `namespaceObjects: true`)"
	}
	fmt.Fprintf(&b, "| Namespace objects | %s | %s |\n", nso, from(own.NamespaceObjects != nil, def.NamespaceObjects != nil, "RIGEL_DEFAULT_NAMESPACE_OBJECTS"))
	kinds := "none"
	if len(eff.RefusedKinds) > 0 {
		kinds = cellCodeList(eff.RefusedKinds)
	}
	fmt.Fprintf(&b, "| `refusedKinds` | %s | %s |\n", kinds, from(len(own.RefusedKinds) > 0, len(def.RefusedKinds) > 0, "RIGEL_DEFAULT_REFUSED_KINDS"))
	if len(eff.RefusedSyncOptions) > 0 { // issue 17 (policy/syncoptions.go): shown only when set
		fmt.Fprintf(&b, "| `refusedSyncOptions` | %s | %s |\n", cellCodeList(eff.RefusedSyncOptions), from(len(own.RefusedSyncOptions) > 0, len(def.RefusedSyncOptions) > 0, "RIGEL_DEFAULT_REFUSED_SYNC_OPTIONS"))
	}
	esc := "on: refuses ClusterRoleBindings, bindings of " + cellCodeList(eff.RigelRoles()) + ", `cluster-admin` or `system:` roles, roles granting `*`, `escalate`, `bind`, `impersonate`, `serviceaccounts/token` or `nodes/proxy`, ServiceAccount token Secrets, admission webhooks and policies, APIServices, hostPath PersistentVolumes"
	escFrom := "built in; only the default can open it (`RIGEL_DEFAULT_ALLOW_ESCALATION`)"
	switch {
	case eff.EscalationAllowed():
		esc, escFrom = "open: what it refuses (ClusterRoleBindings, bindings of Rigel's roles, tokens, webhooks, …) passes, up to Rigel's own RBAC", "the default (`RIGEL_DEFAULT_ALLOW_ESCALATION`)"
	case def.EscalationAllowed():
		escFrom = "the deployment takes back the default's `allowEscalation: true`"
	}
	fmt.Fprintf(&b, "| escalation guard | %s | %s |\n\n", esc, escFrom)
	b.WriteString(adminFlagsPolicy(d)) // registry_flags.go
	for _, p := range append(own.Problems("the policy"), def.Problems("the default policy")...) {
		fmt.Fprintf(&b, "⚠️ %s: it matches nothing but itself.\n\n", mdText(p))
	}
	fmt.Fprintf(&b, "No command changes a policy: it guards against what commenters may do. A cluster admin sets it as the `policy` of the deployment in ConfigMap `%s` (namespace `%s`), key `repos.yaml`, e.g. `kubectl -n %s edit configmap %s`:\n\n", config.SourcesConfigMap, ns, ns, config.SourcesConfigMap)
	fmt.Fprintf(&b, "```yaml\n    - name: %s\n      path: %s\n      policy:\n%s```\n\n", d.Name, d.Path, examplePolicy(own))
	b.WriteString("The default policy and the protected namespaces are Rigel's settings (`RIGEL_DEFAULT_*`, `RIGEL_PROTECTED_NAMESPACES`); a deployment's policy cannot widen them: cluster-scoped objects and what the escalation guard refuses stay refused until a cluster admin opens them there.\n\n")
	fmt.Fprintf(&b, "**Next:** `/rigel diff %s` shows which objects the policy refuses.", d.Name)
	return b.String()
}

func codeList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

// examplePolicy is the YAML of a deployment's own policy, with example values for the
// rules it does not set.
func examplePolicy(own config.Policy) string {
	ns, kinds, cs := []string{"shop", "shop-*"}, []string{"ClusterRoleBinding"}, false
	if len(own.Namespaces) > 0 {
		ns = own.Namespaces
	}
	if len(own.RefusedKinds) > 0 {
		kinds = own.RefusedKinds
	}
	if own.ClusterScoped != nil {
		cs = *own.ClusterScoped
	}
	quoted := func(list []string) string {
		out := make([]string, len(list))
		for i, s := range list {
			out[i] = strconv.Quote(visible(s))
		}
		return strings.Join(out, ", ")
	}
	return fmt.Sprintf("        namespaces: [%s]   # where its namespaced objects may go (patterns work)\n        clusterScoped: %v   # may it hold cluster-scoped objects (ClusterRoles, CRDs, Namespaces, …); only narrows the default\n        refusedKinds: [%s]\n",
		quoted(ns), cs, quoted(kinds))
}

// initialPolicy reads `add-deployment --namespaces a,b`: the first policy of a new deployment.
// Only a repository admin may set it (nil, nil without the flag).
func (c *call) initialPolicy(ctx context.Context) (*config.Policy, error) {
	v, ok := c.cmd.Flag("namespaces")
	if !ok {
		return nil, nil
	}
	var list []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '*' || r == '?') {
				return nil, userErrorf("%s cannot be a namespace or a pattern of namespaces: use lower-case letters, digits, `-`, and `*` or `?` as wildcards, e.g. `--namespaces shop,shop-*`. Nothing was registered.", code(short(s)))
			}
		}
		list = append(list, s)
	}
	if len(list) == 0 {
		return nil, userErrorf("`--namespaces` needs at least one namespace, e.g. `--namespaces shop,shop-*`. Nothing was registered.")
	}
	if err := c.r.Ops.RequireAdmin(ctx, c.opsCall(), ops.GuardSetPolicy, ""); err != nil {
		return nil, err
	}
	return &config.Policy{Namespaces: list}, nil
}

// setPolicy stores the policy of the deployment called name (ops.SetPolicy).
func (r *Runner) setPolicy(ctx context.Context, name string, p *config.Policy) error {
	return r.Ops.SetPolicy(ctx, name, p)
}

// guardRemove refuses to remove a deployment that has a policy unless the commenter is a
// repository admin (ops.GuardRemove): removing it and adding the folder again would drop the
// policy.
func (c *call) guardRemove(ctx context.Context, name string) error {
	return c.r.Ops.GuardRemove(ctx, c.opsCall(), name)
}
