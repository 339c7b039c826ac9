// Package freelist is a stack of reusable objects for buffers that a
// training step needs again on every call: the alternative to sync.Pool,
// which may drop its items at any garbage collection and so make a
// steady-state step allocate.
package freelist

import "sync"

// List is a mutex-guarded stack of *T; the zero value is empty and ready.
type List[T any] struct {
	mu    sync.Mutex
	items []*T
}

// Get pops an object, or returns a new zero T when the list is empty.
func (l *List[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.items); n > 0 {
		it := l.items[n-1]
		l.items[n-1] = nil
		l.items = l.items[:n-1]
		return it
	}
	return new(T)
}

// Put pushes it for a later Get.
func (l *List[T]) Put(it *T) {
	l.mu.Lock()
	l.items = append(l.items, it)
	l.mu.Unlock()
}
