package logtail

import "sync"

// Memo keeps what one log line was rendered into, by rendering key, so
// that the hub's subscribers that render a line alike (the same selection
// of fields) do it once between them. A nil Memo keeps nothing.
type Memo struct {
	mu   sync.Mutex
	kept []rendering
}

type rendering struct {
	key string
	b   []byte
}

// maxRenderings bounds what a line keeps: subscribers with more distinct
// selections than this render the line each for themselves.
const maxRenderings = 8

// Get returns what was kept under key.
func (m *Memo) Get(key string) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.kept {
		if r.key == key {
			return r.b, true
		}
	}
	return nil, false
}

// Keep keeps b under key, unless something is kept there already or the
// memo is full. b must not change afterwards: every subscriber reads it.
func (m *Memo) Keep(key string, b []byte) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.kept) >= maxRenderings {
		return
	}
	for _, r := range m.kept {
		if r.key == key {
			return
		}
	}
	m.kept = append(m.kept, rendering{key, b})
}
