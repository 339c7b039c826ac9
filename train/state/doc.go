// Package state saves and restores a whole training state in one call: a
// model's parameters and buffers, an optimizer's state and each learning
// rate scheduler's, in one safetensors file named as PyTorch names them.
//
//	err := state.Save("run.safetensors", model, opt, sched)
//	...
//	err = state.Load("run.safetensors", model, opt, sched) // fresh objects, same shapes
//
// Stepping on after Load continues the run bit for bit: N steps, Save,
// Load into new objects and M more steps give the parameters of N+M
// uninterrupted steps.
//
// # The file
//
// The tensors (float32) are
//
//	<name>                                  every parameter and buffer, under its
//	                                        state_dict name (Module.Parameters,
//	                                        nn.Buffers): "0.weight", "1.running_mean"
//	optimizer.state.{i}.momentum_buffer     SGD with momentum
//	optimizer.state.{i}.step                Adam, AdamW: a 0-d tensor, as torch 1.13
//	optimizer.state.{i}.exp_avg             Adam, AdamW
//	optimizer.state.{i}.exp_avg_sq          Adam, AdamW
//	optimizer.state.{i}.max_exp_avg_sq      Adam, AdamW with amsgrad
//
// with i the parameter's index in the optimizer (optim.Optimizer.Params),
// each present once the parameter has state, as in torch's state_dict. The
// metadata (strings) holds "format" (Format), "optimizer" (torch's class
// name), "optimizer.param_groups" (torch's param_groups as JSON, with
// torch's keys: optim.MarshalParamGroups), for the k-th scheduler
// "scheduler.{k}.class" (its torch class name) and "scheduler.{k}" (its
// state_dict as JSON, torch's keys: last_epoch, _step_count, base_lrs,
// _last_lr and its hyper-parameters such as step_size and gamma), and the
// CRC-32C of every tensor (safetensors.File.SetChecksums).
//
// A PyTorch user reads the model back with
// model.load_state_dict({k: v for k, v in load_file(path).items() if not
// k.startswith("optimizer.")}), and the optimizer's state and groups are
// those of optimizer.state_dict().
//
// # Loading
//
// Load checks everything before it changes anything: the file is read
// within the size the objects need (a hostile header cannot make it
// allocate more); every parameter and buffer of the model is there, with
// its shape; every tensor in the file belongs to the model or to the
// optimizer's state; the optimizer and the schedulers are the kinds that
// were saved, with as many groups and the same hyper-parameters for the
// schedulers; the optimizer's state has the parameters' shapes. On any
// mismatch it returns an error that names the file and what is wrong, and
// the model, the optimizer and the schedulers are as they were. Tensors
// written as F64, F16 or BF16 (by another tool) are read as float32 by
// package safetensors's rules; other dtypes are refused.
package state
