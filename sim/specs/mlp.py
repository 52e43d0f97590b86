"""Spec of the multi-layer perceptron simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="mlp",
    title="A multi-layer perceptron learns a non-linear function",
    explanation=(
        "A multi-layer perceptron passes its input through layers of neurons: each computes a weighted "
        "sum plus a bias and applies a non-linear activation. One hidden layer with enough neurons can "
        "approximate any continuous function, which is what makes MLPs universal approximators. Here a "
        "network with one hidden layer is trained with Adam to fit a curve (sin, a step or |x|) or to "
        "separate the four clusters of the xor problem. Beside it the same network is trained with the "
        "identity as activation: a stack of linear layers is still one linear map, so it can only draw "
        "a straight line and fails on sin, the step and xor, however many neurons it has."
    ),
    params=(
        ChoiceParam("target", "sin", "what to learn", choices=("sin", "step", "abs", "xor")),
        ChoiceParam(
            "activation",
            "tanh",
            "hidden-layer activation",
            choices=("tanh", "relu", "sigmoid", "identity"),
        ),
        IntParam("hidden", 16, "neurons in the hidden layer", low=1, high=64, increment=1),
        IntParam("steps", 200, "Adam steps (full batch)", low=10, high=1000, increment=50),
        FloatParam("lr", 0.05, "Adam learning rate", low=0.001, high=0.3, increment=0.25, log=True),
    ),
    answers={
        "final_loss": "final training loss",
        "score": "fit quality: accuracy for xor, R² for curves",
        "linear_loss": "final loss of the linear model (identity activation)",
        "linear_score": "fit quality of the linear model",
        "parameters": "number of weights and biases",
    },
)
