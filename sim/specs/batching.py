"""Spec of the batching simulation."""

from sim.params import FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="batching",
    title="Full batch, minibatch and stochastic gradient descent",
    explanation=(
        "Three ways to train the same linear regression by gradient descent on the mean squared error. "
        "Full-batch gradient descent uses all the training data for every update: one smooth, exact step "
        "per epoch (a pass over the data). Stochastic gradient descent (SGD) updates after every single "
        "example, in a new random order each epoch: many cheap steps per epoch, but each gradient comes "
        "from one example, so the loss jitters and never quite settles. Minibatch gradient descent "
        "averages the gradient over a small random batch: several steps per epoch with much less noise, "
        "and the batch size is one more hyperparameter to tune. The plots show how far each loss is above "
        "the lowest loss any weights can reach (the least-squares solution)."
    ),
    params=(
        IntParam("samples", 128, "number of training examples", low=32, high=256, increment=16),
        IntParam("features", 4, "number of input features (weights)", low=1, high=10),
        IntParam("batch_size", 16, "examples per minibatch", low=2, high=64, increment=2),
        FloatParam("lr", 0.05, "learning rate of every method", low=1e-3, high=0.2, increment=0.25, log=True),
        IntParam("epochs", 10, "passes over the training data", low=1, high=30),
        FloatParam("noise", 0.5, "standard deviation of the noise in the targets", low=0.0, high=2.0),
    ),
    answers={
        "final_loss": (
            "training loss (mean squared error) after the last epoch [full batch, minibatch, SGD] "
            "(the last before blowing up, for a method that did)"
        ),
        "loss_noise": (
            "standard deviation of the training loss over the updates of the last epoch "
            "[full batch, minibatch, SGD] (0 with one update per epoch or after blowing up)"
        ),
        "updates_per_epoch": "updates per epoch [full batch, minibatch, SGD]",
        "optimal_loss": "lowest possible training loss (the least-squares solution)",
        "diverged": "methods whose weights blew up (none if all stayed finite)",
    },
)
