package kernels

import (
	"testing"
	"time"
)

// TestNextTask: a polling worker takes a queued task at once and one sent
// during its polling window; past the window it parks and still takes the
// next task (the blocking path); a worker that does not poll blocks.
func TestNextTask(t *testing.T) {
	tasks := make(chan gemmTask, 4)
	tasks <- gemmTask{i0: 1}
	if got := nextTask(tasks, true); got.i0 != 1 {
		t.Fatalf("queued task: got i0 %d, want 1", got.i0)
	}
	for _, c := range []struct {
		name  string
		poll  bool
		delay time.Duration
	}{
		{"polling, sent within the window", true, workerSpin / 4},
		{"polling, sent after the window (parked)", true, 3 * workerSpin},
		{"not polling", false, workerSpin / 4},
	} {
		go func() {
			time.Sleep(c.delay)
			tasks <- gemmTask{i0: 2}
		}()
		if got := nextTask(tasks, c.poll); got.i0 != 2 {
			t.Fatalf("%s: got i0 %d, want 2", c.name, got.i0)
		}
	}
}
