"""Spec of the data-splits simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="data-splits",
    title="Train, validation and test sets: choosing a polynomial degree",
    explanation=(
        "Noisy samples of a smooth curve are split at random into three independent sets. Polynomials of "
        "growing degree are fitted to the training set only, so the training error always falls: a high "
        "enough degree passes through every training point and fits the noise (overfitting). The "
        "validation set, unseen in fitting, shows the error on new data; it falls and then rises again, "
        "and the degree with the lowest validation error is the one we choose, a hyperparameter tuned on "
        "validation. The test set is used once, at the very end, to report the chosen model's error: it "
        "was used for no decision, so it is an honest estimate of how the model generalises."
    ),
    params=(
        ChoiceParam(
            "target",
            "sine",
            "the true curve: one period of a sine, or a cubic",
            choices=("sine", "cubic"),
        ),
        IntParam("samples", 40, "number of noisy samples in all three sets", low=20, high=200, increment=10),
        FloatParam("noise", 0.25, "standard deviation of the noise", low=0.0, high=1.0, increment=0.05),
        IntParam("max_degree", 15, "highest polynomial degree to fit", low=1, high=20),
        FloatParam(
            "train_fraction",
            0.5,
            "share of samples for training; validation and test split the rest equally",
            low=0.3,
            high=0.8,
            increment=0.05,
        ),
    ),
    answers={
        "best_degree": "degree chosen on the validation set",
        "test_error": "test error (mean squared) of the chosen degree",
        "train_error": "training error of the chosen degree",
        "validation_error": "validation error of the chosen degree",
        "overfit_test_error": "test error of the highest degree fitted",
        "degrees_fitted": "highest degree fitted (at most training samples - 1)",
        "split_sizes": "samples in [train, validation, test]",
    },
)
