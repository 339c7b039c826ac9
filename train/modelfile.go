package train

import (
	"fmt"

	"github.com/vecgrad/vecgrad/train/nn"
	"github.com/vecgrad/vecgrad/train/state"
)

// ModelFile is the model's state_dict alone, which Run writes beside each
// checkpoint, named as the PyTorch quickstart tutorial's NeuralNetwork
// class names its parameters: "linear_relu_stack.0.weight",
// "linear_relu_stack.0.bias", ..., "linear_relu_stack.4.bias". In PyTorch,
//
//	model = NeuralNetwork()
//	model.load_state_dict(safetensors.torch.load_file("model.safetensors"))
//
// loads it with strict=True, no renaming (the checkpoint's names are the
// Sequential's own, "0.weight", and it holds the optimizer's state too).
const ModelFile = "model.safetensors"

// tutorialStack is the attribute of the tutorial's class that holds the
// Sequential: NewMLP is that Sequential.
const tutorialStack = "linear_relu_stack"

// writeModel writes model's state_dict to path atomically (state.Save: a
// reader sees the old file or the new one).
func writeModel(path string, model *nn.Sequential) error {
	if err := state.Save(path, state.Submodule(tutorialStack, model), nil); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
