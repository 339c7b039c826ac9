package train

import (
	"fmt"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/loss"
	"github.com/vecgrad/vecgrad/optim"
	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/data"
	"github.com/vecgrad/vecgrad/train/nn"
)

// stepper runs training steps: forward, cross-entropy, backward and the
// optimizer's update, with every temporary in one arena that is reset at the
// start of the step. The parameters, their gradients and the optimizer's
// state live on the heap and persist; the arena hands out the same memory
// each step, so a steady-state step allocates nothing.
//
// An MLP of Linear layers and ReLUs with an optimizer that updates by
// ranges steps as one parallel region instead (teamStep), with the same
// results bit for bit.
type stepper struct {
	model nn.Module
	opt   optim.Optimizer
	ar    *tensor.Arena
	team  *teamStep // nil: every step goes through autograd
}

func newStepper(model nn.Module, opt optim.Optimizer) *stepper {
	return &stepper{model: model, opt: opt, ar: tensor.NewArena(), team: newTeamStep(model, opt)}
}

// step trains on one batch and returns its mean loss (before the update),
// as the tutorial's loop: pred = model(X); loss = loss_fn(pred, y);
// loss.backward(); optimizer.step(); optimizer.zero_grad().
func (s *stepper) step(b *data.Batch) float32 {
	if s.team != nil {
		return s.team.step(b, kernels.Threads())
	}
	return s.autogradStep(b)
}

// autogradStep is step through the tensors' autograd: any model.
func (s *stepper) autogradStep(b *data.Batch) float32 {
	b.FillX(0, b.Size) // where the loader left it to the step
	s.ar.Reset()
	logits := s.model.Forward(b.Input(s.ar))
	l, err := loss.CrossEntropy(logits, b.Target(s.ar), loss.CrossEntropyOptions{})
	if err != nil {
		// The dataset checked every label when it was loaded, and the model
		// has NumClasses outputs: an error here is a bug, not bad input.
		panic(fmt.Sprintf("train: cross-entropy on a batch of %d: %v", b.Size, err))
	}
	l.Backward()
	// The fused optimizer steps write the parameters' storage directly and
	// record nothing, so no NoGrad is needed around them.
	s.opt.Step()
	s.opt.ZeroGrad()
	return l.Item()
}

// evaluate is the tutorial's test loop: under no_grad, the mean of the
// batches' mean losses and the fraction of correct argmax predictions.
// progress, if not nil, is called after each batch with the samples done
// so far.
func evaluate(model nn.Module, loader *data.Loader, ar *tensor.Arena, progress func(done int)) (accuracy, avgLoss float64) {
	model.Train(false)
	defer model.Train(true)
	var sum float64
	var correct, size, batches int
	tensor.NoGrad(func() {
		for b := range loader.Epoch(0) {
			ar.Reset()
			logits := model.Forward(b.Input(ar))
			l, err := loss.CrossEntropy(logits, b.Target(ar), loss.CrossEntropyOptions{})
			if err != nil {
				panic(fmt.Sprintf("train: cross-entropy on a test batch of %d: %v", b.Size, err))
			}
			sum += float64(l.Item())
			for i, p := range logits.ArgMaxDim(1, false).Storage() {
				if p == b.Targets[i] {
					correct++
				}
			}
			size += b.Size
			batches++
			if progress != nil {
				progress(size)
			}
		}
	})
	ar.Reset()
	return float64(correct) / float64(size), sum / float64(batches)
}
