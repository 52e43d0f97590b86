"""Spec of the residual-connections simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="residual",
    title="Residual connections: gradients and training with and without shortcuts",
    explanation=(
        "A residual block adds its input back to its output, h + f(h), so the shortcut is an identity "
        "mapping that passes the signal forward and the gradient backward unchanged. Here two networks "
        "with the very same weights fit y = sin(x) by plain gradient descent: one stacks the blocks "
        "plainly, the other adds identity shortcuts. The blocks start small (weights scaled by "
        "1 / sqrt(depth), as deep residual networks are initialised), so in the plain network the "
        "gradient fades layer after layer and its first layers barely move, while with shortcuts every "
        "layer gets a strong gradient and the loss falls. ReLU and sigmoid outputs are never negative, "
        "so the shortcut sum drifts upward with depth; with a large learning rate it can diverge."
    ),
    params=(
        ChoiceParam(
            "activation", "tanh", "activation inside every block", choices=("tanh", "relu", "sigmoid")
        ),
        IntParam("depth", 20, "number of residual blocks", low=1, high=40, increment=1),
        FloatParam(
            "lr", 0.01, "gradient-descent learning rate", low=0.001, high=0.05, increment=0.25, log=True
        ),
        IntParam("steps", 50, "gradient-descent steps", low=10, high=200, increment=10),
    ),
    answers={
        "first_layer_gradient_residual": "first-layer gradient norm with shortcuts",
        "first_layer_gradient_plain": "first-layer gradient norm without shortcuts",
        "final_loss_residual": "final training loss with shortcuts",
        "final_loss_plain": "final training loss without shortcuts",
        "diverged_residual": "training with shortcuts diverged",
        "diverged_plain": "training without shortcuts diverged",
    },
)
