package handlers

import gosync "sync"

// Deliveries remembers the last delivery ids seen, so a delivery GitHub sends again (a
// redelivery, by hand or after a timeout) runs its commands only once.
type Deliveries struct {
	mu    gosync.Mutex
	seen  map[string]bool
	order []string // ring of the ids in seen, oldest at next
	next  int
}

// NewDeliveries remembers up to max ids; the oldest is forgotten first.
func NewDeliveries(max int) *Deliveries {
	return &Deliveries{seen: make(map[string]bool, max), order: make([]string, max)}
}

// First reports whether id is seen for the first time, and remembers it. An empty id (no
// X-GitHub-Delivery header) cannot be told apart and is always first.
func (d *Deliveries) First(id string) bool {
	if d == nil || id == "" || len(d.order) == 0 {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen[id] {
		return false
	}
	if old := d.order[d.next]; old != "" {
		delete(d.seen, old)
	}
	d.order[d.next] = id
	d.next = (d.next + 1) % len(d.order)
	d.seen[id] = true
	return true
}
