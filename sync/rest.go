package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/rest"
)

// The hot path talks to the apiserver with a raw REST client rather than the dynamic client:
// a response is decoded once into a map (the dynamic client parses each body three times),
// and an apply whose response is not needed is not decoded at all. The HTTP transport is the
// one client-go caches for the config, so connections are shared with the other clients. Each
// kube.Client builds its REST client once (kube.Client.Raw).

func (e *Engine) restClient() (*rest.RESTClient, error) { return e.Kube.Raw() }

// resourcePath is the URL path of a resource, or of one object of it when name is set.
func resourcePath(m *meta.RESTMapping, ns, name string) string {
	gvr := m.Resource
	var b strings.Builder
	if gvr.Group == "" {
		b.WriteString("/api/" + gvr.Version)
	} else {
		b.WriteString("/apis/" + gvr.Group + "/" + gvr.Version)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		b.WriteString("/namespaces/" + ns)
	}
	b.WriteString("/" + gvr.Resource)
	if name != "" {
		b.WriteString("/" + name)
	}
	return b.String()
}

// checkName refuses names that cannot be a URL path segment (the apiserver would not see them
// as the object's name).
func checkName(ns, name string) error {
	for _, s := range []string{ns, name} {
		if s == "" {
			continue
		}
		if msgs := rest.IsValidPathSegmentName(s); len(msgs) > 0 {
			return fmt.Errorf("invalid name %q: %s", s, strings.Join(msgs, "; "))
		}
	}
	return nil
}

// apply sends a server-side apply (field manager rigel, conflicts forced) and returns the
// response body.
func (e *Engine) apply(ctx context.Context, m *meta.RESTMapping, ns, name string, body []byte, dryRun bool) ([]byte, error) {
	if err := checkName(ns, name); err != nil {
		return nil, err
	}
	rc, err := e.restClient()
	if err != nil {
		return nil, err
	}
	req := rc.Patch(types.ApplyPatchType).AbsPath(resourcePath(m, ns, name)).
		Param("fieldManager", FieldManager).Param("force", "true").Body(body)
	if dryRun {
		req = req.Param("dryRun", metav1.DryRunAll)
	}
	return e.send(ctx, req)
}

// get reads one object; a missing object is (nil, nil).
func (e *Engine) get(ctx context.Context, m *meta.RESTMapping, ns, name string) (map[string]interface{}, error) {
	if err := checkName(ns, name); err != nil {
		return nil, err
	}
	rc, err := e.restClient()
	if err != nil {
		return nil, err
	}
	raw, err := e.send(ctx, rc.Get().AbsPath(resourcePath(m, ns, name)))
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeObject(raw)
}

// list reads one page of a resource in a namespace.
func (e *Engine) list(ctx context.Context, m *meta.RESTMapping, ns, cont string) (items []interface{}, next string, err error) {
	return e.listWith(ctx, m, ns, cont, "")
}

// listWith reads one page of a resource in a namespace, of the objects a label selector
// matches ("": all).
func (e *Engine) listWith(ctx context.Context, m *meta.RESTMapping, ns, cont, selector string) (items []interface{}, next string, err error) {
	if err := checkName(ns, ""); err != nil {
		return nil, "", err
	}
	rc, err := e.restClient()
	if err != nil {
		return nil, "", err
	}
	req := rc.Get().AbsPath(resourcePath(m, ns, "")).Param("limit", "500")
	if cont != "" {
		req = req.Param("continue", cont)
	}
	if selector != "" {
		req = req.Param("labelSelector", selector)
	}
	raw, err := e.send(ctx, req)
	if err != nil {
		return nil, "", err
	}
	l, err := decodeObject(raw)
	if err != nil {
		return nil, "", err
	}
	items, _ = l["items"].([]interface{})
	// Items of a list carry no apiVersion and kind: the list has them.
	apiVersion, _ := l["apiVersion"].(string)
	kind, _ := l["kind"].(string)
	kind = strings.TrimSuffix(kind, "List")
	for _, it := range items {
		if obj, ok := it.(map[string]interface{}); ok {
			if _, ok := obj["apiVersion"]; !ok {
				obj["apiVersion"] = apiVersion
			}
			if _, ok := obj["kind"]; !ok {
				obj["kind"] = kind
			}
		}
	}
	md, _ := l["metadata"].(map[string]interface{})
	next, _ = md["continue"].(string)
	return items, next, nil
}

// decodeObject decodes a JSON object with the number types of unstructured objects.
func decodeObject(raw []byte) (map[string]interface{}, error) {
	var obj map[string]interface{}
	if err := utiljson.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("failed to decode the apiserver's response: %w", err)
	}
	return obj, nil
}

// statusError turns the apiserver's Status body of a failed request into an APIStatus error,
// as the typed clients do (DoRaw alone keeps only a generic message).
func statusError(raw []byte, err error) ([]byte, error) {
	if err == nil {
		return raw, nil
	}
	var st metav1.Status
	if len(raw) > 0 && json.Unmarshal(raw, &st) == nil && st.Kind == "Status" && st.Status == metav1.StatusFailure {
		return raw, &apierrors.StatusError{ErrStatus: st}
	}
	return raw, err
}
