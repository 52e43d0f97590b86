"""Spec of the residual-connections simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="residual",
    title="Residual connections: gradients and training with and without shortcuts",
    explanation=(
        "A residual block adds its input back to its output, h + f(h), so the shortcut is an identity "
        "mapping that passes the signal forward and the gradient backward unchanged. Here two networks of "
        "the same depth fit y = sin(x) by plain gradient descent, from the same random draws, each with "
        "the initialisation that suits it: the plain network stacks its blocks and starts from the "
        "standard one (weights with standard deviation gain / sqrt(fan_in): gain 1 for tanh and sigmoid, "
        "as Xavier and LeCun; sqrt(2) for ReLU, as He), and the network with shortcuts has its blocks "
        "scaled down by a further 1 / sqrt(depth), so that the sum of the blocks stays bounded. Well "
        "initialised, a plain 20-layer tanh network still trains: its gradient is about ten times weaker "
        "at the first layer than at the last, not vanishing; the shortcuts keep it stronger and the loss "
        "falls about ten times lower. The deeper the network, the further the plain one falls behind: at "
        "depth 40 (lr 0.001) it hardly moves while the one with shortcuts fits. Sigmoid's slope is at "
        "most 1/4, so it vanishes without shortcuts even when well initialised. With init = residual "
        "the plain network gets the shortcut network's small weights instead, and its gradient fades to "
        "almost nothing: without shortcuts, such an initialisation is what makes a deep network "
        "untrainable. ReLU and sigmoid outputs are never negative, so the shortcut sum drifts upward with "
        "depth: the loss starts high and a large learning rate makes it spike or diverge."
    ),
    params=(
        ChoiceParam(
            "activation", "tanh", "activation inside every block", choices=("tanh", "relu", "sigmoid")
        ),
        IntParam("depth", 20, "number of residual blocks", low=1, high=40, increment=1),
        FloatParam(
            "lr", 0.005, "gradient-descent learning rate", low=0.001, high=0.05, increment=0.25, log=True
        ),
        IntParam("steps", 50, "gradient-descent steps", low=10, high=200, increment=10),
        ChoiceParam(
            "init",
            "standard",
            "how the plain network starts: standard (Xavier/LeCun for tanh and sigmoid, He for ReLU) or "
            "residual (the shortcut network's weights, blocks scaled by 1/sqrt(depth))",
            choices=("standard", "residual"),
        ),
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
