package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/rigel-gitops/rigel/internal/testenv"
)

// apiWrites are the write requests the apiserver served, by verb and resource ("POST
// configmaps"), read from its own apiserver_request_total: what a phase of the load test
// cost the cluster, beside what it cost the answers.
type apiWrites map[string]float64

// readAPIWrites reads the apiserver's counters of write requests (nil when it cannot: the
// figure is left out then).
func readAPIWrites(c *testenv.Cluster) apiWrites {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil
	}
	w := apiWrites{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		rest, found := strings.CutPrefix(sc.Text(), "apiserver_request_total{")
		labels, value, ok := strings.Cut(rest, "} ")
		if !found || !ok {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		var verb, resource string
		for _, kv := range strings.Split(labels, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "verb":
				verb = strings.Trim(v, `"`)
			case "resource":
				resource = strings.Trim(v, `"`)
			}
		}
		switch verb {
		case "POST", "PUT", "PATCH", "DELETE":
			w[verb+" "+resource] += n
		}
	}
	return w
}

// since is what was written from before to w.
func (w apiWrites) since(before apiWrites) apiWrites {
	if w == nil || before == nil {
		return nil
	}
	d := apiWrites{}
	for k, n := range w {
		if n-before[k] > 0 {
			d[k] = n - before[k]
		}
	}
	return d
}

// perDelivery says the writes per delivery, in all and by verb and resource.
func (w apiWrites) perDelivery(deliveries int) string {
	if w == nil || deliveries == 0 {
		return "unknown"
	}
	var keys []string
	total := 0.0
	for k, n := range w {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.2f", k, w[k]/float64(deliveries))
	}
	return fmt.Sprintf("%.2f (%s)", total/float64(deliveries), strings.Join(parts, ", "))
}
