package kube

import (
	"fmt"
	"os"
	gosync "sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Client bundles the clients Rigel uses against one cluster.
type Client struct {
	Config  *rest.Config
	Dynamic dynamic.Interface
	Typed   kubernetes.Interface
	// Protobuf is a typed client that sends and reads objects as protobuf rather than JSON
	// (issue 14): for the big objects of built-in kinds, such as the registry ConfigMap of
	// thousands of deployments, whose JSON the client and the apiserver spend milliseconds
	// on each way. It shares Typed's transport.
	Protobuf kubernetes.Interface
	mapper   *restmapper.DeferredDiscoveryRESTMapper

	rawMu gosync.Mutex
	raw   *rest.RESTClient // built by Raw on first use, then shared by every caller of this Client
}

// LoadConfig returns the in-cluster config when running in a pod, else the kubeconfig at path
// (or $KUBECONFIG, or ~/.kube/config when path is empty).
func LoadConfig(path string) (*rest.Config, error) {
	if path == "" && os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("failed to load in-cluster config: %w", err)
		}
		return cfg, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if path != "" {
		rules.ExplicitPath = path
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("failed to load kubeconfig: %w", err)
	}
	return cfg, nil
}

// New builds a Client. Client-side rate limiting is lifted (QPS/Burst): Rigel bounds its own
// concurrency, and the apiserver's priority and fairness protects the cluster.
func New(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = 1000
	cfg.Burst = 2000
	if cfg.UserAgent == "" {
		cfg.UserAgent = "rigel"
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("failed to build dynamic client: %w", err)
	}
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("failed to build typed client: %w", err)
	}
	pcfg := rest.CopyConfig(cfg)
	pcfg.ContentType = "application/vnd.kubernetes.protobuf"
	pcfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	proto, err := kubernetes.NewForConfig(pcfg)
	if err != nil {
		return nil, fmt.Errorf("failed to build protobuf client: %w", err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("failed to build discovery client: %w", err)
	}
	return &Client{
		Config:   cfg,
		Dynamic:  dyn,
		Typed:    typed,
		Protobuf: proto,
		mapper:   restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco)),
	}, nil
}

// Mapping returns how to reach a kind. When the kind is unknown the discovery cache is reset
// once and asked again, so CRDs created since the last look-up are found.
func (c *Client) Mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil && meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to find resource for %s: %w", gvk, err)
	}
	return m, nil
}

// Resource returns the dynamic client for a mapping, scoped to ns when the kind is namespaced.
func (c *Client) Resource(m *meta.RESTMapping, ns string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(ns)
	}
	return c.Dynamic.Resource(m.Resource)
}

// ResetMapper forgets cached discovery, e.g. after CRDs were applied.
func (c *Client) ResetMapper() { c.mapper.Reset() }

// Raw returns the raw JSON REST client of this Client, built on first use and then reused: each
// Client has its own (two clusters, or two apiservers of a test, never share one). It has no
// client-side rate limiter: callers bound the requests in flight. Its HTTP transport is the one
// client-go caches for the config, so connections are shared with the other clients.
func (c *Client) Raw() (*rest.RESTClient, error) {
	c.rawMu.Lock()
	defer c.rawMu.Unlock()
	if c.raw != nil {
		return c.raw, nil
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.GroupVersion = &schema.GroupVersion{}
	cfg.APIPath = "/"
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	cfg.QPS = -1
	cfg.RateLimiter = nil
	rc, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("failed to build REST client: %w", err)
	}
	c.raw = rc
	return rc, nil
}
