package gateway

import "sync"

// bufferPool lends byte buffers for the time of one write, so that what a
// request or an event writes is not an allocation of its own each time
// (allocation is what paces the collector). A buffer comes back empty,
// with the capacity it grew to, unless it grew past max: one grown for a
// rare large write is left to the collector rather than held.
type bufferPool struct {
	pool sync.Pool
	max  int
}

func newBufferPool(max int) *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { return new([]byte) }}, max: max}
}

// get returns an empty buffer.
func (p *bufferPool) get() *[]byte {
	buf := p.pool.Get().(*[]byte)
	*buf = (*buf)[:0]
	return buf
}

// put takes buf back once nothing holds its bytes any more.
func (p *bufferPool) put(buf *[]byte) {
	if cap(*buf) <= p.max {
		p.pool.Put(buf)
	}
}
