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

// progress draws one self-overwriting line on a terminal:
//
//	epoch 1/10 [=========>          ] 28800/60000  31.2k samples/s
//
// redrawn at most every 100 ms so that drawing costs nothing measurable.
// Plain log lines go through println, which clears the bar first.
type progress struct {
	w       io.Writer
	bar     bool
	last    time.Time
	drawn   bool
	started time.Time
}

const barWidth = 30

func newProgress(w io.Writer, bar bool) *progress {
	return &progress{w: w, bar: bar}
}

// startEpoch resets the rate measurement.
func (p *progress) startEpoch() { p.started = time.Now() }

// update redraws the bar if 100 ms have passed.
func (p *progress) update(epoch, epochs, done, total int) {
	if !p.bar {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = now
	fill := barWidth * done / max(total, 1)
	head := ""
	if fill < barWidth {
		head = ">"
	}
	rate := float64(done) / max(now.Sub(p.started).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r\x1b[Kepoch %d/%d [%s%s%s] %d/%d  %.1fk samples/s",
		epoch, epochs, strings.Repeat("=", fill), head, strings.Repeat(" ", max(barWidth-fill-len(head), 0)),
		done, total, rate/1000)
	p.drawn = true
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
