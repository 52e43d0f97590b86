"""Spec of the optimizers simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

#: Which optimisers the plot draws: a few at a time, as six paths hide each other. Every answer is
#: computed for all six whatever is drawn.
SHOW_CHOICES = (
    "sgd,momentum,adam",
    "adagrad,rmsprop,adam",
    "sgd,adam,newton",
    "sgd,momentum",
    "all",
    "sgd",
    "momentum",
    "adagrad",
    "rmsprop",
    "adam",
    "newton",
)

SPEC = Spec(
    name="optimizers",
    title="SGD, momentum, Adagrad, RMSprop, Adam and Newton's method",
    explanation=(
        "Six optimisers race from the same start to the minimum. Plain SGD steps along the gradient, so in "
        "a long narrow ravine it zigzags across the steep walls and crawls along the gentle floor. Momentum "
        "adds up past steps: where the gradient keeps its sign it speeds up, where it flips it cancels out. "
        "Adagrad, RMSprop and Adam divide each coordinate's step by the size of its recent gradients (a "
        "diagonal preconditioner), so flat and steep directions move at similar speeds; Adagrad sums all "
        "past gradients and its steps shrink for good, RMSprop keeps a decaying average instead, and Adam "
        "adds momentum to RMSprop. Newton's method uses the exact Hessian: it jumps to the minimum of a "
        "quadratic in one step, but every step costs a matrix solve and it heads for any flat point, "
        "minimum or not. Gradient noise imitates minibatches. The plot draws three of them at a time "
        "(show), as six paths hide each other; the answers cover all six."
    ),
    params=(
        ChoiceParam(
            "function",
            "ravine",
            "a narrow ravine, the Rosenbrock valley (b = 10), or a bowl with noise-like ripples",
            choices=("ravine", "rosenbrock", "noisy"),
        ),
        FloatParam(
            "lr", 0.018, "learning rate of SGD and momentum", low=1e-4, high=0.1, increment=0.25, log=True
        ),
        FloatParam(
            "adaptive_lr",
            0.05,
            "learning rate of Adagrad, RMSprop and Adam",
            low=1e-3,
            high=1.0,
            increment=0.25,
            log=True,
        ),
        FloatParam("momentum", 0.9, "momentum of the momentum optimizer", low=0.0, high=0.99, increment=0.05),
        IntParam("steps", 300, "step budget", low=10, high=1000, increment=50),
        FloatParam(
            "tolerance",
            1e-3,
            "a method has arrived when its loss is within this of the minimum",
            low=1e-8,
            high=1.0,
            increment=9.0,
            log=True,
        ),
        FloatParam(
            "noise",
            0.0,
            "standard deviation of noise added to every gradient",
            low=0.0,
            high=10.0,
            increment=0.5,
        ),
        ChoiceParam(
            "show",
            "sgd,momentum,adam",
            "which optimisers to draw (every answer covers all six)",
            choices=SHOW_CHOICES,
        ),
    ),
    answers={
        "fastest": "first to reach the tolerance (none if no method did)",
        "steps_sgd": "SGD: steps to reach the tolerance (-1 = not within the budget)",
        "steps_momentum": "momentum: steps to reach the tolerance (-1 = not within the budget)",
        "steps_adagrad": "Adagrad: steps to reach the tolerance (-1 = not within the budget)",
        "steps_rmsprop": "RMSprop: steps to reach the tolerance (-1 = not within the budget)",
        "steps_adam": "Adam: steps to reach the tolerance (-1 = not within the budget)",
        "steps_newton": "Newton: steps to reach the tolerance (-1 = not within the budget)",
        "final_gap": (
            "loss - minimum over the last 10% of steps [SGD, momentum, Adagrad, RMSprop, Adam, Newton] "
            "(-1 = diverged)"
        ),
    },
)
