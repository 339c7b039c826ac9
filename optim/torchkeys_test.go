package optim

import (
	"reflect"
	"strings"
	"testing"
)

// TestParamGroupsTorchKeys checks the JSON written for each optimizer
// against torch 1.13's param_groups keys and order (typed here from
// torch.optim.SGD/Adam/AdamW(...).state_dict()["param_groups"], less the
// implementation switches), and that it parses back to the same groups.
func TestParamGroupsTorchKeys(t *testing.T) {
	want := map[string]string{
		"SGD": `[{"lr":0.05,"momentum":0.9,"dampening":0,"weight_decay":0.01,"nesterov":true,"maximize":false,"params":[0]},` +
			`{"lr":0.1,"momentum":0.5,"dampening":0.3,"weight_decay":0,"nesterov":false,"maximize":false,"params":[1]}]`,
		"Adam": `[{"lr":0.001,"betas":[0.9,0.999],"eps":1e-8,"weight_decay":0,"amsgrad":false,"maximize":false,"params":[0]},` +
			`{"lr":0.01,"betas":[0.9,0.999],"eps":1e-8,"weight_decay":0.1,"amsgrad":true,"maximize":false,"params":[1]}]`,
		"AdamW": `[{"lr":0.001,"betas":[0.9,0.999],"eps":1e-8,"weight_decay":0.01,"amsgrad":true,"maximize":false,"params":[0,1]}]`,
	}
	for name, mk := range optimizers {
		ps, _ := model()
		opt, _ := mk(ps)
		sd := opt.StateDict()
		b, err := MarshalParamGroups(sd)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want[name] {
			t.Errorf("%s: got\n%s\nwant\n%s", name, b, want[name])
		}
		got, err := UnmarshalParamGroups(name, b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, sd.ParamGroups) {
			t.Errorf("%s: parsed %+v, want %+v", name, got, sd.ParamGroups)
		}
	}
	// torch's own dump, implementation switches included, parses.
	torch := `[{"lr":0.1,"momentum":0,"dampening":0,"weight_decay":0,"nesterov":false,"maximize":false,"foreach":null,"differentiable":false,"params":[0]}]`
	if _, err := UnmarshalParamGroups("SGD", []byte(torch)); err != nil {
		t.Error(err)
	}
}

func TestUnmarshalParamGroupsErrors(t *testing.T) {
	sgd := `"params":[0],"lr":0.1,"momentum":0,"dampening":0,"weight_decay":0,"nesterov":false,"maximize":false`
	adam := `"params":[0],"lr":0.1,"betas":[0.9,0.99],"eps":1e-8,"weight_decay":0,"amsgrad":false,"maximize":false`
	for _, c := range []struct{ op, json, want string }{
		{"SGD", `{}`, "want a JSON array of objects"},
		{"SGD", `[1]`, "param_groups[0]: want a JSON object"},
		{"SGD", `[{` + sgd + `,"lr":0.5}]`, `key "lr" appears twice`},
		{"SGD", `[{` + strings.Replace(sgd, `"lr"`, `"LR"`, 1) + `}]`, `unknown key "LR"`},
		{"SGD", `[{` + strings.Replace(sgd, `,"maximize":false`, "", 1) + `}]`, `key "maximize" is missing`},
		{"SGD", `[{` + sgd + `,"betas":[0.9,0.99]}]`, `unknown key "betas"`},
		{"SGD", `[{` + strings.Replace(sgd, `0.1`, `"0.1"`, 1) + `}]`, "cannot unmarshal string"},
		{"SGD", `[{` + strings.Replace(sgd, `[0]`, `[0.5]`, 1) + `}]`, "cannot unmarshal number 0.5"},
		{"SGD", `[{` + strings.Replace(sgd, `[0]`, `null`, 1) + `}]`, `"params" is null`},
		{"SGD", `[{` + sgd + `,"foreach":true}]`, `"foreach" is true`},
		{"Adam", `[{` + strings.Replace(adam, `[0.9,0.99]`, `[0.9]`, 1) + `}]`, `"betas" is [0.9]; want two coefficients`},
		{"Adam", `[{` + sgd + `}]`, `unknown key "momentum"`},
		{"LBFGS", `[]`, `optimizer "LBFGS": want SGD, Adam or AdamW`},
	} {
		_, err := UnmarshalParamGroups(c.op, []byte(c.json))
		wantErr(t, err, c.want)
	}
}

// TestSchedulerHyper checks that every scheduler's state carries its
// hyper-parameters under torch's keys and that a state with other ones is
// refused, changing nothing.
func TestSchedulerHyper(t *testing.T) {
	ps, _ := model()
	opt, _ := optimizers["SGD"](ps)
	step, _ := NewStepLR(opt, 3, 0.5)
	exp, _ := NewExponentialLR(opt, 0.9)
	cos, _ := NewCosineAnnealingLR(opt, 10, 1e-4)
	lin, _ := NewLinearLR(opt, 0.25, 1, 4)
	for _, c := range []struct {
		s    Scheduler
		want map[string]float64
	}{
		{step, map[string]float64{"step_size": 3, "gamma": 0.5}},
		{exp, map[string]float64{"gamma": 0.9}},
		{cos, map[string]float64{"T_max": 10, "eta_min": 1e-4}},
		{lin, map[string]float64{"start_factor": 0.25, "end_factor": 1, "total_iters": 4}},
	} {
		if got := c.s.StateDict().Hyper; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%T: Hyper %v, want %v", c.s, got, c.want)
		}
	}
	st := step.StateDict()
	st.LastEpoch = 7
	st.Hyper["step_size"] = 4
	wantErr(t, step.LoadStateDict(st), "StepLR: the state's step_size is 4, this scheduler's 3")
	delete(st.Hyper, "step_size")
	wantErr(t, step.LoadStateDict(st), "the state's step_size is missing")
	st.Hyper = map[string]float64{"step_size": 3, "gamma": 0.5, "T_max": 2}
	wantErr(t, step.LoadStateDict(st), "the state has T_max, which StepLR does not have")
	if step.LastEpoch() != 0 {
		t.Error("a refused LoadStateDict changed the scheduler")
	}
	st.Hyper = nil // not checked
	if err := step.LoadStateDict(st); err != nil || step.LastEpoch() != 7 {
		t.Errorf("LoadStateDict without Hyper: %v, epoch %d", err, step.LastEpoch())
	}
}
