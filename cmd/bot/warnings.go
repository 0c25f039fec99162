package main

import (
	"net/http"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// warningTransport hands the Warning headers of every apiserver response to handler, as
// kubectl prints them. It sits in the transport because client-go passes warnings to
// rest.Config.WarningHandler only for typed and dynamic requests: the raw requests of sync's
// dry-runs and applies (rest.Request.DoRaw) drop them, and those are the warnings a user of
// `rigel diff` wants most (a deprecated field of a manifest, a Pod spec the apiserver warns
// about).
type warningTransport struct {
	next    http.RoundTripper
	handler rest.WarningHandler
}

func (t *warningTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if resp != nil {
		warnings, _ := utilnet.ParseWarningHeaders(resp.Header["Warning"]) // a malformed header is dropped, as client-go does
		for _, w := range warnings {
			t.handler.HandleWarningHeader(w.Code, w.Agent, w.Text)
		}
	}
	return resp, err
}

// printWarnings makes every request of cfg print the apiserver's warnings through handler,
// once each: client-go's own warning handling is turned off so none is printed twice.
func printWarnings(cfg *rest.Config, handler rest.WarningHandler) {
	cfg.WarningHandler = rest.NoWarnings{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &warningTransport{next: rt, handler: handler} })
}
