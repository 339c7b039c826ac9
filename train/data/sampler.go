package data

import "github.com/vecgrad/vecgrad/tensor"

// The sampling order of an epoch is specified here in full, so that a seed
// gives the same order on every machine and with every Go version
// (math/rand's Shuffle is free to change between releases).

// epochSeed is the seed of epoch e's generator: the (e+1)-th output of
// SplitMix64 (Steele, Lea and Flood) started at seed, that is the SplitMix64
// finalizer applied to seed + (e+1)*0x9e3779b97f4a7c15. Every epoch gets an
// unrelated stream, and an epoch's order depends on (seed, epoch) alone, not
// on the epochs iterated before it (so a run resumed at epoch e sees what an
// uninterrupted one saw).
func epochSeed(seed uint64, epoch int) uint64 {
	z := seed + (uint64(epoch)+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// bounded returns a uniform integer in [0, n), 0 < n < 2^32, by Lemire's
// multiply-and-reject method ("Fast random integer generation in an
// interval", 2019): x = g.Uint32(), m = x*n in 64 bits, l = low 32 bits of
// m; while l < (2^32 - n) mod n, draw x again; the result is m >> 32. It is
// exactly uniform, and draws one number except with probability below n/2^32.
func bounded(g *tensor.Generator, n uint32) int {
	m := uint64(g.Uint32()) * uint64(n)
	if l := uint32(m); l < n {
		t := -n % n
		for l < t {
			m = uint64(g.Uint32()) * uint64(n)
			l = uint32(m)
		}
	}
	return int(m >> 32)
}

// shuffleOrder fills order with a uniform random permutation of 0..n-1
// (n = len(order)): the identity, then Fisher–Yates from the end (Knuth's
// Algorithm P): for i = n-1 down to 1, swap order[i] with order[j], j =
// bounded(g, i+1).
func shuffleOrder(g *tensor.Generator, order []int) {
	for i := range order {
		order[i] = i
	}
	for i := len(order) - 1; i > 0; i-- {
		j := bounded(g, uint32(i+1))
		order[i], order[j] = order[j], order[i]
	}
}

// replacementOrder fills order with independent uniform draws from 0..n-1:
// order[k] = bounded(g, n), k = 0, 1, ...
func replacementOrder(g *tensor.Generator, order []int, n int) {
	for k := range order {
		order[k] = bounded(g, uint32(n))
	}
}
