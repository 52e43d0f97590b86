"""Spec of the activation-functions simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="activations",
    title="Activation functions and their derivatives",
    explanation=(
        "Activation functions put non-linearity between the linear layers of a network; without them "
        "any stack of layers collapses to one linear map. Sigmoid squashes to (0, 1) and tanh to (-1, 1); "
        "both saturate, so their derivatives vanish for large |x|. ReLU passes positive inputs unchanged "
        "(derivative 1) and zeroes negative ones; leaky ReLU keeps a small slope there. Backpropagation "
        "multiplies one derivative per layer, so the largest derivative raised to the number of layers "
        "bounds how much gradient survives: 0.25^10 is about 1e-6 for sigmoid, while ReLU keeps 1."
    ),
    params=(
        ChoiceParam(
            "function",
            "sigmoid",
            "the activation to highlight",
            choices=("sigmoid", "tanh", "relu", "leaky_relu"),
        ),
        IntParam("layers", 10, "number of layers the gradient passes through", low=1, high=50),
        FloatParam("x_range", 6.0, "plot inputs from -x_range to x_range", low=1.0, high=20.0, increment=1.0),
        FloatParam(
            "leak",
            0.1,
            "negative slope of leaky ReLU (PyTorch's default is 0.01; 0.1 is easier to see)",
            low=0.0,
            high=0.5,
            increment=0.01,
        ),
    ),
    answers={
        "max_derivative": "largest derivative",
        "gradient_factor": "largest derivative ^ layers",
        "derivative_at_zero": "derivative at x = 0",
        "output_min": "smallest output on the range",
        "output_max": "largest output on the range",
    },
)
