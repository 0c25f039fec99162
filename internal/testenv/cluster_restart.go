package testenv

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// StopAPIServer kills kube-apiserver (SIGKILL, as in a crash) and waits until it is gone;
// etcd keeps running with all the data. Clients get "connection refused" until
// StartAPIServer.
func (c *Cluster) StopAPIServer() error {
	stopped := false
	for _, p := range c.procs {
		if p.cmd.Path != c.apiserverBin {
			continue
		}
		select {
		case <-p.exited:
			continue
		default:
		}
		if err := p.cmd.Process.Kill(); err != nil {
			return fmt.Errorf("failed to stop kube-apiserver: %w", err)
		}
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			return fmt.Errorf("kube-apiserver did not exit 30s after SIGKILL")
		}
		stopped = true
	}
	if !stopped {
		return fmt.Errorf("failed to stop kube-apiserver: it is not running")
	}
	return nil
}

// StartAPIServer starts kube-apiserver again after StopAPIServer, on the same port, etcd
// and credentials, so clients built before carry on; it waits until /readyz is ok.
func (c *Cluster) StartAPIServer() error {
	for _, p := range c.procs {
		if p.cmd.Path != c.apiserverBin {
			continue
		}
		select {
		case <-p.exited:
		default:
			return fmt.Errorf("failed to start kube-apiserver: it is running")
		}
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("failed to start kube-apiserver again: bad URL %q: %w", c.URL, err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return fmt.Errorf("failed to start kube-apiserver again: no port in %q", c.URL)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the port may linger a moment after the kill
		if lastErr = c.runAPIServer(c.apiserverBin, port); lastErr == nil {
			return nil
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("failed to start kube-apiserver again: %w\n%s", lastErr, c.logTail())
}
