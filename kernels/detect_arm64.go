//go:build !purego

package kernels

// detect: Advanced SIMD (NEON) is mandatory on arm64.
func detect() level { return levelNEON }
