// Package optim holds the optimizers SGD, Adam and AdamW with PyTorch's
// exact update rules (torch.optim, the single-tensor CPU path of torch
// 1.13), parameter groups, learning-rate schedulers and state dicts for
// checkpoints.
//
// # Optimizers
//
// An optimizer holds parameter tensors, in one or more groups with their
// own hyper-parameters (NewSGDGroups, NewAdamGroups, NewAdamWGroups). Step
// updates every parameter that has a gradient (a nil Grad is skipped, as in
// torch) with one call of a fused kernel (kernels.SGDStep,
// kernels.AdamStep) on the parameter's storage, in place: the parameters
// must be contiguous leaf tensors. The optimizer state (momentum buffers,
// first and second moments, step counts) lives in the optimizer, is
// allocated at a parameter's first step, and Step allocates nothing after
// that. A training step is
//
//	opt.ZeroGrad()
//	loss := ...               // forward
//	loss.Backward()
//	opt.Step()
//	sched.Step()              // if there is a scheduler, once per epoch or step
//
// The update rules (in float32, with PyTorch's rounding order; the doc
// comments of SGD and Adam give them in full):
//
//	SGD:   g = ±g + wd*p;  buf = g (first step) or m*buf + (1-dampening)*g;
//	       g = nesterov ? g + m*buf : buf;  p -= lr*g
//	Adam:  g = ±g + wd*p;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;
//	       [amsgrad: vmax = max(vmax, v), used for v];
//	       p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
//	AdamW: p *= 1 - lr*wd first, then Adam without the wd*p term
//
// Hyper-parameters outside their domain (a negative or non-finite lr,
// momentum, eps or weight decay, betas outside [0, 1), Nesterov without
// momentum or with dampening) are errors at construction, of type *Error,
// whose message names the value and what is accepted:
//
//	optim: SGD: momentum = -0.1: must be >= 0 and finite
//
// Defaults without traps: a field left zero either is torch's default or
// is rejected at construction, never a NaN or a parameter that never moves.
// SGDOptions' zero value is torch's defaults except lr, which torch
// requires and NewSGD rejects when 0. For Adam and AdamW start from
// DefaultAdam() (lr 1e-3, betas (0.9, 0.999), eps 1e-8) or DefaultAdamW()
// (the same with weight decay 0.01): zero betas are legal values, not
// "unset", so the constructors reject lr 0 and eps 0 instead
// (AdamOptions{LR: 1e-3} is an error naming DefaultAdam), and each refuses
// the other's defaults (DefaultAdam()'s options given to NewAdamW would
// lose AdamW's weight decay).
//
// # Closures
//
// LBFGS, Newton, NewtonCG and HessianVector evaluate the objective many
// times per step through a Closure, func() (float64, error): it runs the
// forward pass, calls Backward on the loss and returns the loss. The
// optimizer clears the parameters' gradients before every call, so the
// closure need not call ZeroGrad (it may); an error from it ends the step
// with that error and the parameters restored.
//
// # Heavy ball and Nesterov
//
// With full-batch gradients, SGD's options are the classical methods in
// another parametrization (TestSeedForms runs them side by side):
//
//   - Momentum 0 is plain gradient descent, w(t+1) = w(t) - lr*g(w(t)).
//   - Momentum beta with dampening 0 is Polyak's heavy ball,
//     w(t+1) = w(t) - lr*g(w(t)) + beta*(w(t) - w(t-1)), with w(-1) = w(0):
//     the parameters are w(t) and the momentum buffer is
//     buf(t) = (w(t-1) - w(t))/lr, since buf(t+1) = beta*buf(t) + g(w(t))
//     and w(t+1) = w(t) - lr*buf(t+1). (With a learning rate that changes
//     between steps the two forms differ: torch's buffer does not carry lr.)
//   - Nesterov is Nesterov's accelerated gradient in the look-ahead form,
//     v(t+1) = beta*v(t) - lr*g(w(t) + beta*v(t)), w(t+1) = w(t) + v(t+1),
//     v(0) = 0: the parameters are the look-ahead point w(t) + beta*v(t)
//     and the buffer is -v(t)/lr.
//
// # Learning rates and schedulers
//
// LR and SetLR read and change a group's learning rate between steps. The
// schedulers StepLR, ExponentialLR, CosineAnnealingLR and LinearLR (a linear
// warm-up) compute torch.optim.lr_scheduler's chainable forms in float64 on
// every group; LastLR returns the rates the last Step set.
//
// # State dicts
//
// StateDict returns a copy of an optimizer's state as a plain Go struct laid
// out as torch's state_dict() (state.{i}.momentum_buffer, state.{i}.exp_avg,
// state.{i}.exp_avg_sq, state.{i}.max_exp_avg_sq, state.{i}.step and
// param_groups, with parameters numbered group by group; see StateDict for
// the mapping), and LoadStateDict checks one (optimizer kind, group count
// and membership, parameter count, state shapes, hyper-parameter domains)
// and loads it, or returns an error and changes nothing. Schedulers have
// their own StateDict and LoadStateDict (SchedulerState). Saving both and
// loading them into a new optimizer and scheduler over the same parameters
// resumes a run bit for bit.
//
// Optimizers and schedulers are not safe for concurrent use.
package optim
