package nn_test

import (
	"fmt"

	"github.com/vecgrad/vecgrad/tensor"
	"github.com/vecgrad/vecgrad/train/nn"
)

// The tutorial's MLP: its parameter names are torch's state_dict keys.
func ExampleSequential() {
	g := tensor.NewGenerator(42)
	model := nn.NewSequential(
		nn.Flatten{},
		nn.NewLinear(28*28, 512, g), nn.ReLU{},
		nn.NewLinear(512, 512, g), nn.ReLU{},
		nn.NewLinear(512, 10, g),
	)
	for _, p := range model.Parameters() {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	logits := model.Forward(tensor.Zeros(16, 28, 28))
	fmt.Println("logits", logits.Shape())
	// Output:
	// 1.weight [512 784]
	// 1.bias [512]
	// 3.weight [512 512]
	// 3.bias [512]
	// 5.weight [10 512]
	// 5.bias [10]
	// logits [16 10]
}

func ExampleNewLinear() {
	l := nn.NewLinear(3, 2, tensor.NewGenerator(1))
	fmt.Println(l)
	y := l.Forward(tensor.Ones(4, 3))
	fmt.Println(y.Shape())
	// Output:
	// Linear(in_features=3, out_features=2, bias=true)
	// [4 2]
}
