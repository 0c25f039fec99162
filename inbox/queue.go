package inbox

import (
	gosync "sync"
)

// entry is one delivery waiting for a worker: its lane (the installation it came from) and
// the bytes it holds.
type entry[T any] struct {
	lane  string
	bytes int64
	value T
}

// fairQueue is a queue bounded by bytes and by count whose consumers take turns between
// lanes (round robin): each Pop takes the oldest entry of the next lane that has one, so a
// lane with a thousand entries waiting delays another lane's entry by at most one entry.
// Within a lane, entries leave in the order they came. Room is reserved before an entry is
// pushed (the delivery is recorded in between), and given back when the entry is popped.
type fairQueue[T any] struct {
	maxBytes int64 // > 0
	maxCount int   // > 0

	mu       gosync.Mutex
	lanes    map[string][]entry[T] // the entries of each lane with any, oldest first
	ring     []string              // the lanes with entries, in turn order: ring[0] is next
	bytes    int64                 // reserved: waiting, or about to be pushed
	count    int
	waiting  int           // entries pushed and not popped
	ready    chan struct{} // signalled (without blocking) when an entry is pushed
	closed   bool
	closedCh chan struct{}
}

func newFairQueue[T any](maxBytes int64, maxCount int) *fairQueue[T] {
	return &fairQueue[T]{
		maxBytes: max(maxBytes, 1), maxCount: max(maxCount, 1),
		lanes: map[string][]entry[T]{}, ready: make(chan struct{}, 1), closedCh: make(chan struct{}),
	}
}

// reserve takes room for n bytes: false when the queue holds maxCount entries, or when the
// bytes would pass maxBytes. An empty queue takes one entry of any size, so a delivery
// larger than the bound is not refused forever.
func (q *fairQueue[T]) reserve(n int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.count >= q.maxCount || (q.count > 0 && q.bytes+n > q.maxBytes) {
		return false
	}
	q.bytes += n
	q.count++
	return true
}

// forceReserve takes room for n bytes whatever the bounds.
func (q *fairQueue[T]) forceReserve(n int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.bytes += n
	q.count++
}

// unreserve gives back room reserve took for an entry that will not be pushed.
func (q *fairQueue[T]) unreserve(n int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.bytes -= n
	q.count--
}

// push adds an entry for which room was reserved.
func (q *fairQueue[T]) push(lane string, n int64, v T) {
	q.mu.Lock()
	if len(q.lanes[lane]) == 0 {
		q.ring = append(q.ring, lane)
	}
	q.lanes[lane] = append(q.lanes[lane], entry[T]{lane: lane, bytes: n, value: v})
	q.waiting++
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop takes the next entry in turn and gives back its room; false once the queue is closed
// and empty.
func (q *fairQueue[T]) pop() (T, bool) {
	for {
		q.mu.Lock()
		if len(q.ring) > 0 {
			lane := q.ring[0]
			list := q.lanes[lane]
			e := list[0]
			var zero entry[T]
			list[0] = zero // let the payload go
			if list = list[1:]; len(list) == 0 {
				delete(q.lanes, lane)
				q.ring = q.ring[1:]
			} else {
				q.lanes[lane] = list
				q.ring = append(q.ring[1:], lane) // its next entry waits for the other lanes' turn
			}
			q.bytes -= e.bytes
			q.count--
			q.waiting--
			more := q.waiting > 0
			q.mu.Unlock()
			if more { // wake another consumer
				select {
				case q.ready <- struct{}{}:
				default:
				}
			}
			return e.value, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			var zero T
			return zero, false
		}
		select {
		case <-q.ready:
		case <-q.closedCh:
		}
	}
}

// close makes pop return false once the queue is empty, and reserve refuse.
func (q *fairQueue[T]) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.closedCh)
	}
}

// size is the entries reserved or waiting and their bytes.
func (q *fairQueue[T]) size() (count int, bytes int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count, q.bytes
}
