package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file encodes a state dict's param_groups as torch names them, for
// checkpoints that torch's optimizer.load_state_dict (after json.load) and
// people reading the file understand: "lr", "weight_decay", "betas", not
// GroupState's Go field names.

// sgdGroupJSON and adamGroupJSON are one param group under torch's keys,
// in the order torch 1.13's state_dict lists them (the optimizer's
// defaults as its constructor declares them, then "params"). Each optimizer
// has its own keys: SGD has no "betas", Adam no "momentum".
type sgdGroupJSON struct {
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	Dampening   float64 `json:"dampening"`
	WeightDecay float64 `json:"weight_decay"`
	Nesterov    bool    `json:"nesterov"`
	Maximize    bool    `json:"maximize"`
	implSwitches
	Params []int `json:"params"`
}

type adamGroupJSON struct {
	LR          float64   `json:"lr"`
	Betas       []float64 `json:"betas"` // a slice, so that a list of the wrong length is seen
	Eps         float64   `json:"eps"`
	WeightDecay float64   `json:"weight_decay"`
	AMSGrad     bool      `json:"amsgrad"`
	Maximize    bool      `json:"maximize"`
	implSwitches
	Params []int `json:"params"`
}

// implSwitches are torch's param_groups keys that choose an implementation
// (multi-tensor, autograd through the step, CUDA graphs, fused kernels)
// rather than the arithmetic. They are never written; a param_groups
// dumped from torch has them, and they are accepted at torch's defaults
// (null or false), which compute what vecgrad computes.
type implSwitches struct {
	Foreach        *bool `json:"foreach,omitempty"`
	Differentiable *bool `json:"differentiable,omitempty"`
	Capturable     *bool `json:"capturable,omitempty"`
	Fused          *bool `json:"fused,omitempty"`
}

// ParamGroupKeys returns the param_groups keys of optimizer op ("SGD",
// "Adam" or "AdamW") in torch's order, or nil for another name.
func ParamGroupKeys(op string) []string {
	switch op {
	case "SGD":
		return []string{"lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "params"}
	case "Adam", "AdamW":
		return []string{"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "params"}
	}
	return nil
}

var implKeys = []string{"foreach", "differentiable", "capturable", "fused"}

// MarshalParamGroups returns sd.ParamGroups as a JSON array with torch's
// keys for sd.Optimizer (see ParamGroupKeys), the form torch's
// optimizer.state_dict()["param_groups"] has:
//
//	[{"lr":0.1,"momentum":0.9,"dampening":0,"weight_decay":0,"nesterov":false,"maximize":false,"params":[0,1]}]
func MarshalParamGroups(sd *StateDict) ([]byte, error) {
	if sd == nil || ParamGroupKeys(sd.Optimizer) == nil {
		return nil, errorf("MarshalParamGroups", "optimizer %q: want a state dict of SGD, Adam or AdamW", optimizerName(sd))
	}
	groups := make([]any, len(sd.ParamGroups))
	for g, gs := range sd.ParamGroups {
		if sd.Optimizer == "SGD" {
			groups[g] = sgdGroupJSON{Params: gs.Params, LR: gs.LR, Momentum: gs.Momentum, Dampening: gs.Dampening,
				WeightDecay: gs.WeightDecay, Nesterov: gs.Nesterov, Maximize: gs.Maximize}
		} else {
			groups[g] = adamGroupJSON{Params: gs.Params, LR: gs.LR, Betas: gs.Betas[:], Eps: gs.Eps,
				WeightDecay: gs.WeightDecay, AMSGrad: gs.AMSGrad, Maximize: gs.Maximize}
		}
	}
	b, err := json.Marshal(groups)
	if err != nil {
		return nil, errorf("MarshalParamGroups", "%v", err)
	}
	return b, nil
}

func optimizerName(sd *StateDict) string {
	if sd == nil {
		return "<nil state dict>"
	}
	return sd.Optimizer
}

// UnmarshalParamGroups parses param_groups of optimizer op written by
// MarshalParamGroups (or dumped from torch as JSON). It is strict, as a
// checkpoint reader must be: the value is an array of objects; every
// object has each of op's keys exactly once, spelled exactly (encoding/json
// alone would match "LR" to "lr" and keep the last of repeated keys), and
// no other key but torch's implementation switches (foreach,
// differentiable, capturable, fused) at their defaults; "params" holds
// integers and "betas" two numbers. The values' ranges are the optimizer's
// LoadStateDict's to check.
func UnmarshalParamGroups(op string, b []byte) ([]GroupState, error) {
	const fn = "UnmarshalParamGroups"
	keys := ParamGroupKeys(op)
	if keys == nil {
		return nil, errorf(fn, "optimizer %q: want SGD, Adam or AdamW", op)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, errorf(fn, "%s param_groups: want a JSON array of objects: %v", op, err)
	}
	out := make([]GroupState, len(raws))
	for g, raw := range raws {
		if err := checkGroupKeys(raw, keys); err != nil {
			return nil, errorf(fn, "%s param_groups[%d]: %v", op, g, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var impl implSwitches
		if op == "SGD" {
			var j sgdGroupJSON
			if err := dec.Decode(&j); err != nil {
				return nil, errorf(fn, "%s param_groups[%d]: %v", op, g, err)
			}
			out[g] = GroupState{Params: j.Params, LR: j.LR, Momentum: j.Momentum, Dampening: j.Dampening,
				WeightDecay: j.WeightDecay, Nesterov: j.Nesterov, Maximize: j.Maximize}
			impl = j.implSwitches
		} else {
			var j adamGroupJSON
			if err := dec.Decode(&j); err != nil {
				return nil, errorf(fn, "%s param_groups[%d]: %v", op, g, err)
			}
			if len(j.Betas) != 2 {
				return nil, errorf(fn, "%s param_groups[%d]: \"betas\" is %v; want two coefficients [beta1, beta2]", op, g, j.Betas)
			}
			out[g] = GroupState{Params: j.Params, LR: j.LR, Betas: [2]float64{j.Betas[0], j.Betas[1]}, Eps: j.Eps,
				WeightDecay: j.WeightDecay, AMSGrad: j.AMSGrad, Maximize: j.Maximize}
			impl = j.implSwitches
		}
		if out[g].Params == nil {
			return nil, errorf(fn, "%s param_groups[%d]: \"params\" is null; want the list of parameter indices", op, g)
		}
		for k, v := range map[string]*bool{"foreach": impl.Foreach, "differentiable": impl.Differentiable, "capturable": impl.Capturable, "fused": impl.Fused} {
			if v != nil && *v {
				return nil, errorf(fn, "%s param_groups[%d]: %q is true; vecgrad accepts torch's implementation switches only at their defaults (null or false)", op, g, k)
			}
		}
	}
	return out, nil
}

// checkGroupKeys checks that the JSON object raw has each of keys exactly
// once, spelled exactly, and no other key but implKeys.
func checkGroupKeys(raw json.RawMessage, keys []string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("want a JSON object with %s", strings.Join(keys, ", "))
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string) // an object's tokens alternate key (a string) and value
		switch {
		case seen[k]:
			return fmt.Errorf("key %q appears twice", k)
		case !slices.Contains(keys, k) && !slices.Contains(implKeys, k):
			return fmt.Errorf("unknown key %q; the keys are %s", k, strings.Join(keys, ", "))
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if !seen[k] {
			return fmt.Errorf("key %q is missing; the keys are %s", k, strings.Join(keys, ", "))
		}
	}
	return nil
}
