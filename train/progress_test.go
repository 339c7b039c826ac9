package train

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestIsTerminalNot(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, out := range map[string]io.Writer{"/dev/null": null, "a file": file, "a pipe": w, "a buffer": &bytes.Buffer{}} {
		if IsTerminal(out) {
			t.Errorf("IsTerminal(%s) = true, want false", name)
		}
	}
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) advance(secs float64) { c.t = c.t.Add(time.Duration(secs * float64(time.Second))) }

// TestProgressETA follows a run of 2 epochs of 1000 training and 500 test
// samples through its phases and checks each drawn line, ETA included,
// against the arithmetic done by hand.
func TestProgressETA(t *testing.T) {
	var b bytes.Buffer
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	p := newProgress(&b, true, 2, 1000, 500)
	p.now = clk.now
	// expect checks the line drawn last.
	expect := func(what, want string) {
		t.Helper()
		s := b.String()
		b.Reset()
		if got := s[strings.LastIndex(s, "\r\x1b[K")+4:]; got != want {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	p.startEpoch()
	clk.advance(1)
	p.update(1, 2, 100, 1000)
	// 100 samples/s: 900 + 1000 training samples left (19 s), two test
	// loops of 500 at 2.4 x 100 samples/s (4.17 s).
	expect("training", "epoch 1/2 train [===>                          ] 100/1000  0.1k samples/s  ETA 23s")
	clk.advance(9)
	p.update(1, 2, 1000, 1000) // the whole loop took 10 s: 100 samples/s
	p.startEval()
	clk.advance(1)
	p.update(1, 2, 250, 500)
	// 250 samples/s: 250 test samples left (1 s), then one epoch: 1000
	// at 100 samples/s and 500 at 250 (12 s).
	expect("test loop", "epoch 1/2 test  [===============>              ] 250/500  0.2k samples/s  ETA 13s")
	clk.advance(1)
	p.update(1, 2, 500, 500)
	p.startEpoch()
	if p.testRate != 250 {
		t.Errorf("test rate %v, want 250", p.testRate)
	}
	clk.advance(100)
	p.update(2, 2, 1000, 1000)
	// 10 samples/s now; the test loop at the measured 250: 2 s.
	expect("last training loop", "epoch 2/2 train ["+strings.Repeat("=", barWidth)+"] 1000/1000  0.0k samples/s  ETA 2s")
}

func TestFormatETA(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-1, "?"}, {0, "0s"}, {1499 * time.Millisecond, "1s"}, {59 * time.Second, "59s"}, {60 * time.Second, "1m00s"},
		{252 * time.Second, "4m12s"}, {3600 * time.Second, "1h00m"}, {3720 * time.Second, "1h02m"},
	} {
		if got := formatETA(tc.d); got != tc.want {
			t.Errorf("formatETA(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestRunProgressCoversTest checks that Run draws the bar through both loops
// of every epoch, each ending full, with an ETA, and clears it before the
// tutorial's lines.
func TestRunProgressCoversTest(t *testing.T) {
	sets := synthetic(t, t.TempDir(), 96, 40)
	var b bytes.Buffer
	if _, err := Run(context.Background(), tinyConfig(), sets, Options{Log: &b, Progress: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"epoch 1/2 train [" + strings.Repeat("=", barWidth) + "] 96/96 ",
		"epoch 1/2 test  [" + strings.Repeat("=", barWidth) + "] 40/40 ",
		"epoch 2/2 test  [" + strings.Repeat("=", barWidth) + "] 40/40 ",
		"ETA 0s\r\x1b[KTest Error:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%q", want, out)
		}
	}
}
