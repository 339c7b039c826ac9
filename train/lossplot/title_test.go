package lossplot

import (
	"math"
	"testing"
)

// The tutorial's settings: SGD with lr 10 / 0.1 / 0.001, momentum 0 / 0.5 /
// 0.9 and batch 16 / 64 / 256; Adam with lr 0.01 / 0.001 / 0.00001.
func TestTitle(t *testing.T) {
	for _, tc := range []struct {
		opt    string
		lr, mt float64
		bs     int
		want   string
	}{
		{"SGD", 0.001, 0.5, 16, "Optimizer-SGD lr-0.001 mt-0.5 bs-16"},
		{"SGD", 10, 0, 64, "Optimizer-SGD lr-10 mt-0 bs-64"},
		{"SGD", 0.1, 0.9, 256, "Optimizer-SGD lr-0.1 mt-0.9 bs-256"},
		{"SGD", 0.001, 0, 16, "Optimizer-SGD lr-0.001 mt-0 bs-16"},
		{"SGD", 0.001, 0.9, 64, "Optimizer-SGD lr-0.001 mt-0.9 bs-64"},
		{"Adam", 0.01, 0.9, 16, "Optimizer-Adam lr-0.01 bs-16"},
		{"Adam", 0.001, 0, 64, "Optimizer-Adam lr-0.001 bs-64"},
		{"Adam", 0.00001, 0, 256, "Optimizer-Adam lr-1e-05 bs-256"},
		{"AdamW", 1e-4, 0, 16, "Optimizer-AdamW lr-0.0001 bs-16"},
		{"RMSprop", 0.01, 0.5, 16, "Optimizer-RMSprop lr-0.01 mt-0.5 bs-16"},
	} {
		if got := Title(tc.opt, tc.lr, tc.mt, tc.bs); got != tc.want {
			t.Errorf("Title(%q, %v, %v, %d) = %q, want %q", tc.opt, tc.lr, tc.mt, tc.bs, got, tc.want)
		}
	}
	if got := BatchLabel(64) + " " + LRLabel(1e-5) + " " + MomentumLabel(0.5); got != "bs-64 lr-1e-05 mt-0.5" {
		t.Errorf("labels = %q", got)
	}
}

// FormatNumber against Python 3's f"{x}" (repr for floats; ints for the
// whole values the tutorial writes as int literals).
func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0.001, "0.001"},
		{1e-5, "1e-05"}, // Python: 1e-05
		{0.00001, "1e-05"},
		{0.0001, "0.0001"},   // Python switches below 1e-4
		{0.00015, "0.00015"}, // Python: 0.00015
		{1.5e-7, "1.5e-07"},
		{3e-10, "3e-10"},
		{0.1, "0.1"},
		{0.9, "0.9"},
		{2.5, "2.5"},
		{-0.5, "-0.5"},
		{10, "10"},
		{0, "0"},
		{256, "256"},
		{1e6, "1000000"},
		{1234567.5, "1234567.5"}, // Go's 'g' writes 1.2345675e+06
		{1e16, "1e+16"},          // Python: 1e+16
		{1.5e300, "1.5e+300"},
		{1.0 / 3, "0.3333333333333333"},
		{math.NaN(), "nan"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
	} {
		if got := FormatNumber(tc.x); got != tc.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}
