package lossplot

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// linearTicks label multiples of a round step (1, 2, 2.5 or 5 times a
// power of ten) chosen for about four to seven labels, with a minor tick
// halfway. With count set, labels get k, M and G suffixes ("50k", "1.5M"):
// sample counts run to millions.
type linearTicks struct{ count bool }

// Ticks implements plot.Ticker.
func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	step, decimals := niceStep((hi - lo) / 6)
	unit, suffix := 1.0, ""
	if t.count {
		switch top := math.Max(math.Abs(lo), math.Abs(hi)); {
		case top >= 1e9:
			unit, suffix = 1e9, "G"
		case top >= 1e6:
			unit, suffix = 1e6, "M"
		case top >= 1e4:
			unit, suffix = 1e3, "k"
		}
		decimals = decimalsOf(step / unit) // 2.5e5 in millions is 0.25: two
	}
	var ticks []plot.Tick
	half := step / 2
	for i := math.Ceil(lo / half); i*half <= hi*(1+1e-12)+1e-300; i++ {
		v := i * half
		tick := plot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			l := strconv.FormatFloat(v/unit, 'f', decimals, 64)
			if strings.Trim(l, "-0.") == "" {
				l = "0" // not "-0" or "0.0"
			} else {
				l += suffix
			}
			tick.Label = l
		}
		ticks = append(ticks, tick)
	}
	return ticks
}

// niceStep rounds a raw step up to 1, 2, 2.5 or 5 times a power of ten and
// returns it with the number of decimals its multiples need.
func niceStep(raw float64) (step float64, decimals int) {
	e := math.Floor(math.Log10(raw))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		step = m * math.Pow(10, e)
		if step >= raw*(1-1e-9) {
			decimals = max(0, -int(e))
			if m == 2.5 {
				decimals++
			}
			if m == 10 {
				decimals = max(0, decimals-1)
			}
			return step, decimals
		}
	}
	return step, decimals
}

// decimalsOf is the number of decimals that write x exactly (up to 12).
func decimalsOf(x float64) int {
	for d := range 12 {
		v := x * math.Pow(10, float64(d))
		if math.Abs(v-math.Round(v)) <= 1e-9*math.Abs(v) {
			return d
		}
	}
	return 12
}

// logTicks label the powers of ten, and 2 and 5 times them when the range
// spans too few powers of ten to read a value off (training losses often
// stay within 0.1 to 3), with minor ticks at the other integer multiples.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	d0 := int(math.Floor(math.Log10(lo)))
	d1 := int(math.Ceil(math.Log10(hi)))
	label := func(mults map[int]bool) []plot.Tick {
		var ticks []plot.Tick
		for d := d0; d <= d1; d++ {
			for m := 1; m <= 9; m++ {
				v, _ := strconv.ParseFloat(strconv.Itoa(m)+"e"+strconv.Itoa(d), 64) // exact decimal, no pow fuzz
				if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
					continue
				}
				t := plot.Tick{Value: v}
				if mults[m] {
					t.Label = strconv.FormatFloat(v, 'g', -1, 64)
				}
				ticks = append(ticks, t)
			}
		}
		return ticks
	}
	labelled := func(ts []plot.Tick) int {
		n := 0
		for _, t := range ts {
			if t.Label != "" {
				n++
			}
		}
		return n
	}
	for _, mults := range []map[int]bool{
		{1: true},
		{1: true, 2: true, 5: true},
		{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true},
	} {
		if ts := label(mults); labelled(ts) >= 3 || len(mults) == 9 {
			if labelled(ts) >= 2 {
				return ts
			}
		}
	}
	// A range within one decade step (e.g. 2.1 to 2.3): linear ticks.
	return linearTicks{}.Ticks(lo, hi)
}
