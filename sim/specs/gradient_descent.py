"""Spec of the gradient-descent simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="gradient-descent",
    title="Gradient descent on a 2-D loss surface",
    explanation=(
        "The gradient of a loss f(x, y) is the vector of its partial derivatives (df/dx, df/dy): each one "
        "is the slope along one axis with the other variable held fixed, and together they point in the "
        "direction of steepest ascent, uphill (the arrow). Gradient descent walks the other way, "
        "x <- x - lr * grad f, and repeats; training a network is the same loop, with backpropagation "
        "computing the gradient of the loss over millions of weights. A small learning rate crawls, a "
        "large one overshoots and zigzags, and past about 2 / (largest curvature) it diverges. A long, "
        "narrow bowl (high conditioning) makes the path zigzag across the valley, and at a saddle the "
        "gradient is zero although it is no minimum, so the path stalls before it escapes."
    ),
    params=(
        ChoiceParam(
            "function",
            "bowl",
            "the loss surface: a bowl, the curved Rosenbrock valley (b = 10), or a saddle between two minima",
            choices=("bowl", "rosenbrock", "saddle"),
        ),
        FloatParam("x0", -2.0, "starting x", low=-2.0, high=2.0, increment=0.1),
        FloatParam("y0", 1.5, "starting y", low=-2.0, high=2.0, increment=0.1),
        FloatParam("lr", 0.15, "learning rate (step size)", low=1e-4, high=2.0, increment=0.25, log=True),
        IntParam("steps", 50, "number of gradient steps", low=1, high=500, increment=10),
        FloatParam(
            "conditioning",
            10.0,
            "the bowl's ratio of largest to smallest curvature",
            low=1.0,
            high=100.0,
            increment=0.5,
            log=True,
        ),
    ),
    answers={
        "gradient": "gradient at the start [df/dx, df/dy] (points uphill)",
        "gradient_norm": "steepest slope at the start, |grad f|",
        "next_x": "x after one step, x0 - lr * df/dx",
        "next_y": "y after one step, y0 - lr * df/dy",
        "loss_start": "loss f at the start",
        "loss_final": "loss after the last step (the last finite one if it blew up)",
        "diverged": "diverged (blew up, or ended with a higher loss than it started)",
        "distance_to_minimum": "distance from the last point to the nearest minimum",
    },
)
