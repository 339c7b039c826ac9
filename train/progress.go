package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal, where Run draws a progress
// bar; elsewhere (a file, a pipe, a CI log, /dev/null) it prints plain lines
// only, which stay readable. It asks the terminal driver (golang.org/x/term:
// an ioctl on Unix, the console mode on Windows): a character device such as
// /dev/null is not a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress draws one self-overwriting line on a terminal, for the training
// loop and then the test loop of each epoch:
//
//	epoch 1/10 train [=========>          ] 28800/60000  31.2k samples/s  ETA 4m12s
//	epoch 1/10 test  [===>                ]  2400/10000  95.0k samples/s  ETA 3m58s
//
// redrawn at most every 100 ms so that drawing costs nothing measurable.
// The ETA is for the whole run (see eta). Plain log lines go through
// printf, which clears the bar first.
type progress struct {
	w     io.Writer
	bar   bool
	last  time.Time
	drawn bool
	now   func() time.Time // time.Now; tests replace it

	// The run's shape: epochs, and samples per training and test loop.
	epochs, trainSize, testSize int

	testing bool      // the current phase is the test loop
	started time.Time // start of the current phase
	done    int       // samples of the current phase done at the last update
	// Samples per second of the last complete training and test loops;
	// 0 until one has been measured.
	trainRate, testRate float64
}

const barWidth = 30

// testSpeedup estimates how many test samples take the time of one
// training sample before a test loop has been timed: a test sample is a
// forward pass only, and for the tutorial's MLP the forward pass is 1.34
// (2 x 668,672) of a training step's 3.21 MFLOP per sample, so about 2.4.
const testSpeedup = 2.4

func newProgress(w io.Writer, bar bool, epochs, trainSize, testSize int) *progress {
	return &progress{w: w, bar: bar, now: time.Now, epochs: epochs, trainSize: trainSize, testSize: testSize}
}

// startEpoch starts the training loop's phase, and records the rate of the
// test loop that ended the previous epoch.
func (p *progress) startEpoch() {
	if p.testing {
		p.testRate = p.rate()
	}
	p.testing, p.started, p.done = false, p.now(), 0
}

// startEval starts the test loop's phase, and records the training loop's
// rate.
func (p *progress) startEval() {
	p.trainRate = p.rate()
	p.testing, p.started, p.done = true, p.now(), 0
}

// rate is the current phase's samples per second so far (0 before any).
func (p *progress) rate() float64 {
	el := p.now().Sub(p.started).Seconds()
	if p.done == 0 || el <= 0 {
		return 0
	}
	return float64(p.done) / el
}

// update records that done of the current phase's total samples are done
// (epoch counted from 1) and redraws the bar if 100 ms have passed.
func (p *progress) update(epoch, epochs, done, total int) {
	p.done = done
	if !p.bar {
		return
	}
	now := p.now()
	if now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = now
	fill := barWidth * done / max(total, 1)
	head := ""
	if fill < barWidth {
		head = ">"
	}
	phase := "train"
	if p.testing {
		phase = "test "
	}
	rate := p.rate()
	fmt.Fprintf(p.w, "\r\x1b[Kepoch %d/%d %s [%s%s%s] %d/%d  %.1fk samples/s  ETA %s",
		epoch, epochs, phase, strings.Repeat("=", fill), head, strings.Repeat(" ", max(barWidth-fill-len(head), 0)),
		done, total, rate/1000, formatETA(p.eta(epoch, done, total, rate)))
	p.drawn = true
}

// eta estimates the time left in the run, in epoch (counted from 1) with
// done of the current phase's total samples done at rate samples/s: the
// rest of this phase at that rate, then the phases still to come at the
// rates their last run measured (a test loop not yet timed: the training
// rate times testSpeedup). Negative: no estimate yet.
func (p *progress) eta(epoch, done, total int, rate float64) time.Duration {
	if rate <= 0 {
		return -1
	}
	trainRate, testRate := p.trainRate, p.testRate
	if p.testing {
		testRate = rate
	} else {
		trainRate = rate
		if testRate == 0 {
			testRate = testSpeedup * rate
		}
	}
	later := p.epochs - epoch // whole epochs after this one
	secs := float64(total-done)/rate + float64(later)*(float64(p.trainSize)/trainRate+float64(p.testSize)/testRate)
	if !p.testing {
		secs += float64(p.testSize) / testRate // this epoch's test loop
	}
	return time.Duration(secs * float64(time.Second))
}

// formatETA writes d as 1h02m, 4m12s or 12s; "?" when there is no
// estimate yet.
func formatETA(d time.Duration) string {
	if d < 0 {
		return "?"
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

// printf writes a log line, clearing the bar first.
func (p *progress) printf(format string, a ...any) {
	p.clear()
	fmt.Fprintf(p.w, format, a...)
}

// clear erases the bar, if drawn.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
