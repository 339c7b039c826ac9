package nn

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor"
)

// BatchNorm1d is torch.nn.BatchNorm1d over inputs [N, C] or [N, C, L]: each
// of the C channels normalized, (x - mean)/sqrt(var + Eps)·Weight + Bias.
// In training mode mean and var are the batch's (over N, and L), the
// variance biased, and the running statistics move towards them:
// running = (1-Momentum)·running + Momentum·batch, with the unbiased
// variance (var·n/(n-1)) for RunningVar, and NumBatchesTracked counts the
// batches. In evaluation mode the running statistics are used instead.
type BatchNorm1d struct {
	C        int
	Eps      float32
	Momentum float32
	Weight   *tensor.Tensor // [C], ones at first
	Bias     *tensor.Tensor // [C], zeros at first

	// The buffers (torch's running_mean, running_var, num_batches_tracked):
	// leaf tensors without grad. NumBatchesTracked is a float32 scalar (exact
	// up to 2^24 batches); torch stores it as int64.
	RunningMean, RunningVar, NumBatchesTracked *tensor.Tensor

	training bool
}

// NewBatchNorm1d returns a BatchNorm1d over c channels in training mode with
// torch's defaults: eps 1e-5, momentum 0.1, weight ones, bias zeros, running
// mean zeros, running variance ones. It panics with an *Error unless c > 0.
func NewBatchNorm1d(c int) *BatchNorm1d {
	if c <= 0 {
		fail("NewBatchNorm1d", "num_features = %d must be positive", c)
	}
	return &BatchNorm1d{
		C: c, Eps: 1e-5, Momentum: 0.1,
		Weight:            tensor.Ones(c).SetRequiresGrad(true),
		Bias:              tensor.Zeros(c).SetRequiresGrad(true),
		RunningMean:       tensor.Zeros(c),
		RunningVar:        tensor.Ones(c),
		NumBatchesTracked: tensor.Scalar(0),
		training:          true,
	}
}

// Forward normalizes x of shape [N, C] or [N, C, L]; it panics with an
// *Error on another shape, and in training mode on a batch with a single
// value per channel (its variance is undefined), as torch does. The
// normalization is composed of tensor operations, so its gradients are
// theirs; the running statistics are updated outside the graph.
func (b *BatchNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	nd := x.Dim()
	if (nd != 2 && nd != 3) || x.Size(1) != b.C {
		fail("BatchNorm1d", "expected input of shape [N %d] or [N %d L], got %v", b.C, b.C, x.Shape())
	}
	dims := []int{0}
	param := []int{b.C}
	if nd == 3 {
		dims, param = []int{0, 2}, []int{b.C, 1}
	}
	var y *tensor.Tensor
	if b.training {
		n := x.Numel() / b.C
		if n < 2 {
			fail("BatchNorm1d", "expected more than 1 value per channel when training, got input of shape %v", x.Shape())
		}
		mean := x.MeanDim(dims, true)
		xc := x.Sub(mean)
		v := xc.Mul(xc).MeanDim(dims, true)
		y = xc.Mul(v.AddScalar(b.Eps).Pow(-0.5))
		b.track(mean, v, n)
	} else {
		y = x.Sub(b.RunningMean.Reshape(param...)).Mul(b.RunningVar.Reshape(param...).AddScalar(b.Eps).Pow(-0.5))
	}
	if b.Weight != nil {
		y = y.Mul(b.Weight.Reshape(param...))
	}
	if b.Bias != nil {
		y = y.Add(b.Bias.Reshape(param...))
	}
	return y
}

// track moves the running statistics towards the batch's mean and biased
// variance v over n values per channel.
func (b *BatchNorm1d) track(mean, v *tensor.Tensor, n int) {
	m := b.Momentum
	unbias := float32(n) / float32(n-1)
	tensor.NoGrad(func() {
		rm, rv := b.RunningMean.Storage(), b.RunningVar.Storage()
		md, vd := mean.Data(), v.Data()
		for c := range rm {
			// Each product rounded (float32()): no fused multiply-add on any
			// architecture, so the statistics do not depend on the ISA.
			rm[c] = float32((1-m)*rm[c]) + float32(m*md[c])
			rv[c] = float32((1-m)*rv[c]) + float32(m*float32(vd[c]*unbias))
		}
		nb := b.NumBatchesTracked.Storage()
		nb[0]++
	})
}

// Parameters returns "weight" and "bias" when present.
func (b *BatchNorm1d) Parameters() []Param { return affineParams(b.Weight, b.Bias) }

// Buffers returns "running_mean", "running_var" and "num_batches_tracked",
// torch's state_dict names.
func (b *BatchNorm1d) Buffers() []Param {
	return []Param{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}, {"num_batches_tracked", b.NumBatchesTracked}}
}

// Train sets training (on) or evaluation mode.
func (b *BatchNorm1d) Train(on bool) { b.training = on }

// String is torch's "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True,
// track_running_stats=True)".
func (b *BatchNorm1d) String() string {
	return fmt.Sprintf("BatchNorm1d(%d, eps=%v, momentum=%v, affine=%s, track_running_stats=True)", b.C, b.Eps, b.Momentum, pyBool(b.Weight != nil))
}
