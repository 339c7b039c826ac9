package freelist

import "testing"

func TestList(t *testing.T) {
	var l List[int]
	a := l.Get()
	*a = 7
	l.Put(a)
	if b := l.Get(); b != a || *b != 7 {
		t.Fatalf("Get after Put = %p (%d), want the same object %p", b, *b, a)
	}
	if c := l.Get(); c == a || *c != 0 {
		t.Fatalf("Get on an empty list = %p (%d), want a new zero object", c, *c)
	}
	l.Put(a)
	if n := testing.AllocsPerRun(100, func() { l.Put(l.Get()) }); n != 0 {
		t.Fatalf("Get/Put in steady state: %v allocations, want 0", n)
	}
}
