package fix

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rigel-gitops/rigel/internal/untrusted"
	"github.com/rigel-gitops/rigel/kube"
)

// A FieldRef edit renames what a reference reads, for a typo of a missing ConfigMap, Secret or
// key (rule_config.go). Its Key locates the reference:
//
//	env.NAME.configMapKeyRef.name   env.NAME.configMapKeyRef.key   (Container's variable NAME)
//	env.NAME.secretKeyRef.name      env.NAME.secretKeyRef.key
//	volume.NAME.configMap.name      volume.NAME.secret.secretName  (the pod's volume NAME)
const (
	refEnv    = "env."
	refVolume = "volume."
)

var refEnds = map[string][]string{
	refEnv:    {"configMapKeyRef.name", "configMapKeyRef.key", "secretKeyRef.name", "secretKeyRef.key"},
	refVolume: {"configMap.name", "secret.secretName"},
}

// parseRef splits a FieldRef Key into its prefix (refEnv, refVolume), the variable or volume
// name, the source ("configMapKeyRef", …) and the field ("name", "key", "secretName").
func parseRef(key string) (prefix, name, source, field string, ok bool) {
	for p, ends := range refEnds {
		if !strings.HasPrefix(key, p) {
			continue
		}
		for _, end := range ends {
			if n := strings.TrimSuffix(strings.TrimPrefix(key, p), "."+end); n != strings.TrimPrefix(key, p) && n != "" {
				source, field, _ = strings.Cut(end, ".")
				return p, n, source, field, true
			}
		}
	}
	return "", "", "", "", false
}

func validateRef(e Edit) error {
	_, _, _, field, ok := parseRef(e.Key)
	if !ok {
		return typedErrorf("`%s` is not a reference Rigel can edit", e.Key)
	}
	msgs := validation.IsDNS1123Subdomain(e.Value)
	if field == "key" {
		msgs = validation.IsConfigMapKey(e.Value)
	}
	if len(msgs) > 0 {
		return typedErrorf("`%s=%s`: not a valid %s", e.Key, e.Value, field)
	}
	return nil
}

// refOps is the op of a FieldRef edit: the reference must exist, with another value.
func refOps(w kube.WorkloadRef, t *typed, e Edit) ([]op, error) {
	prefix, name, source, field, _ := parseRef(e.Key)
	cur, ok := refValue(t, e.Container, prefix, name, source, field)
	if !ok {
		return nil, userErrorf("%s has no reference %s", workloadTitle(w), untrusted.MarkdownCode(e.Key))
	}
	if cur == e.Value {
		return nil, nil
	}
	var path []step
	if prefix == refEnv {
		path = join(containerPath(e.Container), keyPath("env"), []step{named(name)}, keyPath("valueFrom", source, field))
	} else {
		path = join(keyPath("spec", "template", "spec", "volumes"), []step{named(name)}, keyPath(source, field))
	}
	return []op{{edit: e, path: path, anchor: len(path) - 1, value: e.Value, kind: kindString, container: e.Container}}, nil
}

// refValue reads (and with set, writes) what a reference reads in a typed workload.
func refValue(t *typed, container, prefix, name, source, field string, set ...string) (string, bool) {
	var p *string
	if prefix == refEnv {
		c := t.container(container)
		if c == nil {
			return "", false
		}
		for i := range c.Env {
			v := c.Env[i].ValueFrom
			if c.Env[i].Name != name || v == nil {
				continue
			}
			switch {
			case source == "configMapKeyRef" && v.ConfigMapKeyRef != nil:
				p = map[string]*string{"name": &v.ConfigMapKeyRef.Name, "key": &v.ConfigMapKeyRef.Key}[field]
			case source == "secretKeyRef" && v.SecretKeyRef != nil:
				p = map[string]*string{"name": &v.SecretKeyRef.Name, "key": &v.SecretKeyRef.Key}[field]
			}
		}
	} else {
		for i := range t.template.Spec.Volumes {
			v := &t.template.Spec.Volumes[i]
			switch {
			case v.Name != name:
			case source == "configMap" && v.ConfigMap != nil:
				p = &v.ConfigMap.Name
			case source == "secret" && v.Secret != nil:
				p = &v.Secret.SecretName
			}
		}
	}
	if p == nil {
		return "", false
	}
	if len(set) > 0 {
		*p = set[0]
	}
	return *p, true
}

// expectRef makes a FieldRef op in a rendered workload.
func expectRef(t *typed, o op) {
	prefix, name, source, field, _ := parseRef(o.edit.Key)
	refValue(t, o.container, prefix, name, source, field, o.value)
}
