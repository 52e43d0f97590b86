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
        "it), for sigmoid, tanh and ReLU with the same weights. Weights are drawn with standard "
        "deviation gain * weight_scale / sqrt(width): gain 1 for init = xavier (Xavier/LeCun), sqrt(2) "
        "for init = he (He). Both the weights and the activation decide. Sigmoid's slope is at most "
        "0.25, so it vanishes whatever the scale. ReLU passes only about half of the signal, so with "
        "init = xavier it vanishes too (first / last about 2e-4 at depth 20), while init = he makes up "
        "for the lost half and keeps the gradient about constant through depth (activation = relu, "
        "init = he). Larger weights make it explode: with activation = relu, init = he and "
        "weight_scale = 2 every layer about doubles it, some 500,000-fold over 20 layers."
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
        ChoiceParam(
            "init",
            "xavier",
            "weight initialisation: xavier (standard deviation weight_scale / sqrt(width)) or he "
            "(sqrt(2) times that)",
            choices=("xavier", "he"),
        ),
    ),
    answers={
        "gradient_ratio": "gradient norm, first layer / last layer",
        "log10_ratio": "log10 of that ratio",
        "per_layer_factor": "average change per layer",
        "regime": "vanishing, stable, exploding or dead",
        "first_layer_norm": "gradient norm at the first layer",
        "last_layer_norm": "gradient norm at the last layer",
        "weight_std": "standard deviation of the weights, gain * weight_scale / sqrt(width)",
    },
)
