package state_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/safetensors"
	"github.com/vecgrad/vecgrad/train/state"
)

// training is a model, its optimizer and its scheduler, built as a
// program would at its start.
type training struct {
	model *nn.Sequential
	opt   *optim.SGD
	sched *optim.StepLR
}

func newTraining(seed uint64) *training {
	g := tensor.NewGenerator(seed)
	model := nn.NewSequential(nn.NewLinear(3, 4, g), nn.ReLU{}, nn.NewLinear(4, 2, g))
	opt, err := optim.NewSGD(nn.Tensors(model.Parameters()), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		panic(err)
	}
	sched, err := optim.NewStepLR(opt, 2, 0.5)
	if err != nil {
		panic(err)
	}
	return &training{model, opt, sched}
}

// epochs trains epochs [from, to) on one fixed batch.
func (tr *training) epochs(from, to int) {
	x := tensor.New([]float32{1, 0, -1, 0.5, 2, 0, -1, 1, 1}, 3, 3)
	y := tensor.New([]float32{0, 1, 1}, 3)
	for range to - from {
		l, err := loss.CrossEntropy(tr.model.Forward(x), y, loss.CrossEntropyOptions{})
		if err != nil {
			panic(err)
		}
		tr.opt.ZeroGrad()
		l.Backward()
		tr.opt.Step()
		tr.sched.Step()
	}
}

// Save the model, the optimizer and the scheduler after three epochs, load
// them into objects made afresh (as a new process would) and train on: the
// resumed run ends where the uninterrupted one does, bit for bit.
func Example() {
	dir, err := os.MkdirTemp("", "state-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.safetensors")

	full := newTraining(1)
	full.epochs(0, 5)

	first := newTraining(1)
	first.epochs(0, 3)
	if err := state.Save(path, first.model, first.opt, first.sched); err != nil {
		panic(err)
	}

	resumed := newTraining(2) // another initialization: everything comes from the file
	if err := state.Load(path, resumed.model, resumed.opt, resumed.sched); err != nil {
		panic(err)
	}
	fmt.Println("epoch", resumed.sched.LastEpoch(), "lr", resumed.opt.LR(0))
	resumed.epochs(3, 5)
	same := true
	for i, p := range resumed.model.Parameters() {
		same = same && slices.Equal(p.Tensor.Data(), full.model.Parameters()[i].Tensor.Data())
	}
	fmt.Println("resumed = uninterrupted:", same)

	f, err := safetensors.ReadFile(path)
	if err != nil {
		panic(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.Shape)
	}
	fmt.Println(f.Metadata["optimizer.param_groups"])
	fmt.Println(f.Metadata["scheduler.0.class"], f.Metadata["scheduler.0"])
	// Output:
	// epoch 3 lr 0.05
	// resumed = uninterrupted: true
	// 0.weight [4 3]
	// 0.bias [4]
	// 2.weight [2 4]
	// 2.bias [2]
	// optimizer.state.0.momentum_buffer [4 3]
	// optimizer.state.1.momentum_buffer [4]
	// optimizer.state.2.momentum_buffer [2 4]
	// optimizer.state.3.momentum_buffer [2]
	// [{"lr":0.05,"momentum":0.9,"dampening":0,"weight_decay":0,"nesterov":false,"maximize":false,"params":[0,1,2,3]}]
	// StepLR {"step_size":2,"gamma":0.5,"base_lrs":[0.1],"last_epoch":3,"_step_count":4,"_last_lr":[0.05]}
}
