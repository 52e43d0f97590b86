"""Spec of the cross-entropy versus squared-error simulation."""

from sim.params import FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="cross-entropy",
    title="Cross-entropy versus squared error: the gradient when confidently wrong",
    explanation=(
        "A loss function scores how far the prediction is from the target, and its gradient is what "
        "training follows. A binary classifier outputs a logit z and the probability p = sigmoid(z). "
        "With cross-entropy, -log p for target 1, the gradient with respect to the logit is simply p - y: "
        "close to -1 when the model is confidently wrong, so it learns fast exactly when it should. With "
        "the squared error (p - y)^2 the chain rule multiplies by the sigmoid's slope p(1 - p), which is "
        "almost 0 at a confident prediction: the more wrong the model is, the less it learns. Both "
        "gradients here are computed by backpropagation through a one-unit network."
    ),
    params=(
        FloatParam("logit", -4.0, "the logit z the model outputs", low=-10.0, high=10.0, increment=0.5),
        IntParam("target", 1, "the true class y (0 or 1)", low=0, high=1),
        FloatParam("logit_range", 8.0, "plot logits from -range to range", low=2.0, high=15.0, increment=1.0),
    ),
    answers={
        "ce_gradient": "dL/dz with cross-entropy",
        "mse_gradient": "dL/dz with squared error after a sigmoid",
        "gradient_ratio": "|cross-entropy gradient| / |squared-error gradient|",
        "ce_loss": "cross-entropy loss",
        "mse_loss": "squared-error loss",
        "probability": "predicted probability of class 1",
    },
)
