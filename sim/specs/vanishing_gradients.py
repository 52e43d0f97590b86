"""Spec of the vanishing- and exploding-gradients simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="vanishing-gradients",
    title="Vanishing and exploding gradients in a deep network",
    explanation=(
        "Backpropagation carries the error signal from the loss down to the first layer, multiplying it "
        "at every layer by the layer's weights and by the slope of its activation. If that factor is "
        "below 1 the signal shrinks exponentially with depth (vanishing gradients: the first layers "
        "barely learn); above 1 it grows exponentially (exploding gradients: training blows up). The "
        "plot shows, on a log scale, how strong the gradient is at each layer of one randomly "
        "initialised network (the gradient of each layer's bias, which is the error signal reaching "
        "it), for sigmoid, tanh and ReLU. Weights are drawn with standard deviation "
        "weight_scale / sqrt(width). Sigmoid's slope is at most 0.25, so it vanishes even at scale 1; "
        "ReLU keeps the signal at scale sqrt(2) (He initialisation); large weights make it explode."
    ),
    params=(
        ChoiceParam(
            "activation", "sigmoid", "the activation to highlight", choices=("sigmoid", "tanh", "relu")
        ),
        IntParam("depth", 20, "number of hidden layers", low=2, high=50, increment=2),
        FloatParam(
            "weight_scale",
            1.0,
            "weight standard deviation times sqrt(width)",
            low=0.25,
            high=4.0,
            increment=0.25,
            log=True,
        ),
        IntParam("width", 32, "units per hidden layer", low=16, high=128, increment=8),
    ),
    answers={
        "gradient_ratio": "gradient norm, first layer / last layer",
        "log10_ratio": "log10 of that ratio",
        "per_layer_factor": "average change per layer",
        "regime": "vanishing, stable, exploding or dead",
        "first_layer_norm": "gradient norm at the first layer",
        "last_layer_norm": "gradient norm at the last layer",
    },
)
