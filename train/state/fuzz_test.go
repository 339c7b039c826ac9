package state

import (
	"reflect"
	"testing"

	"github.com/vecgrad/vecgrad/optim"
)

// FuzzLoadMetadata feeds arbitrary param_groups and scheduler JSON to the
// parsers Load uses and to the LoadStateDict that follows them. Nothing may
// panic; param_groups accepted must survive MarshalParamGroups unchanged,
// and a scheduler state accepted must be what StateDict then returns.
func FuzzLoadMetadata(f *testing.F) {
	for _, oname := range []string{"SGD", "Adam"} {
		ps, _ := newSetupNoT(oname)
		b, _ := optim.MarshalParamGroups(ps.opt.StateDict())
		f.Add(oname, string(b), `{"step_size":2,"gamma":0.5,"base_lrs":[0.1,0.1],"last_epoch":3,"_step_count":4,"_last_lr":[0.05,0.05]}`)
	}
	f.Add("SGD", `[{"lr":1,"lr":2}]`, `{"last_epoch":1,"last_epoch":2}`)
	f.Add("Adam", `[{"betas":[1,2,3]}]`, `{"base_lrs":null,"_last_lr":[],"last_epoch":-1,"_step_count":0,"verbose":true}`)
	f.Fuzz(func(t *testing.T, oname, groups, sched string) {
		if oname != "SGD" && oname != "Adam" {
			return
		}
		s, sc := newSetupNoT(oname)
		gs, err := optim.UnmarshalParamGroups(oname, []byte(groups))
		if err == nil {
			b, err := optim.MarshalParamGroups(&optim.StateDict{Optimizer: oname, ParamGroups: gs})
			if err != nil {
				t.Fatalf("accepted %s but cannot write it back: %v", groups, err)
			}
			again, err := optim.UnmarshalParamGroups(oname, b)
			if err != nil || !reflect.DeepEqual(again, gs) {
				t.Fatalf("param_groups %s: written back as %s, read as %+v (%v)", groups, b, again, err)
			}
			sd := s.opt.StateDict()
			sd.ParamGroups = gs
			_ = s.opt.LoadStateDict(sd) // refused or not, never a panic
		}
		st, err := parseScheduler("StepLR", sched)
		if err == nil && sc.LoadStateDict(st) == nil {
			got := sc.StateDict()
			if got.LastEpoch != st.LastEpoch || got.StepCount != st.StepCount || !reflect.DeepEqual(got.BaseLRs, st.BaseLRs) || !reflect.DeepEqual(got.LastLR, st.LastLR) {
				t.Fatalf("loaded %+v, the scheduler holds %+v", st, got)
			}
		}
	})
}

// newSetupNoT is newSetup for the fuzz target: the optimizer oname
// ("SGD": two groups, "Adam": two groups) with StepLR(2, 0.5).
func newSetupNoT(oname string) (*setup, optim.Scheduler) {
	s, err := build(1, optimizers[oname], schedulers["StepLR"])
	if err != nil {
		panic(err)
	}
	return s, s.scheds[0]
}
