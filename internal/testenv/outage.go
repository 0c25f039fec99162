package testenv

import (
	"fmt"
	"io"
	"net"
	"sync"
)

// Outage is a TCP proxy on 127.0.0.1 in front of a server, which a test can take down (new
// connections are refused, open ones are cut) and bring back on the same port.
type Outage struct {
	target string // host:port of the server

	mu    sync.Mutex
	addr  string
	l     net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// StartOutage starts a proxy to target ("127.0.0.1:port"), up.
func StartOutage(target string) (*Outage, error) {
	o := &Outage{target: target, conns: map[net.Conn]bool{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("failed to start the proxy to %s: %w", target, err)
	}
	o.addr = l.Addr().String()
	o.serve(l)
	return o, nil
}

// Addr is the proxy's address, "127.0.0.1:port"; it stays the same across Down and Up.
func (o *Outage) Addr() string { return o.addr }

// Down refuses new connections and cuts the open ones.
func (o *Outage) Down() {
	o.mu.Lock()
	if o.l != nil {
		o.l.Close()
		o.l = nil
	}
	for c := range o.conns {
		c.Close()
	}
	o.mu.Unlock()
	o.wg.Wait()
}

// Up accepts connections again, on the same port.
func (o *Outage) Up() error {
	o.mu.Lock()
	up := o.l != nil
	o.mu.Unlock()
	if up {
		return nil
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("failed to bring the proxy to %s back on %s: %w", o.target, o.addr, err)
	}
	o.serve(l)
	return nil
}

// Stop takes the proxy down for good.
func (o *Outage) Stop() { o.Down() }

func (o *Outage) serve(l net.Listener) {
	o.mu.Lock()
	o.l = l
	o.mu.Unlock()
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			o.wg.Add(1)
			go func() {
				defer o.wg.Done()
				o.pipe(c)
			}()
		}
	}()
}

func (o *Outage) track(c net.Conn, open bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if open && o.l == nil { // went down meanwhile
		return false
	}
	if open {
		o.conns[c] = true
	} else {
		delete(o.conns, c)
	}
	return true
}

func (o *Outage) pipe(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", o.target)
	if err != nil {
		return
	}
	defer s.Close()
	if !o.track(c, true) {
		return
	}
	defer o.track(c, false)
	if !o.track(s, true) {
		return
	}
	defer o.track(s, false)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(s, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, s); done <- struct{}{} }()
	<-done
}
