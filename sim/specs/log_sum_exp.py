"""Spec of the log-sum-exp trick simulation."""

from sim.params import ChoiceParam, FloatParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="log-sum-exp",
    title="The log-sum-exp trick: naive versus stable softmax",
    explanation=(
        "Softmax and the log-likelihood of a classifier need log(sum(exp(x))). Computed as written, "
        "exp overflows to infinity once a logit passes about 88 in float32 or 709 in float64, and "
        "underflows to zero when every logit is very negative, giving inf, -inf or nan (0/0 or inf/inf). "
        "The trick subtracts the largest logit m first: log-sum-exp(x) = m + log(sum(exp(x - m))). Now "
        "the largest exponent is exp(0) = 1, nothing overflows, and the answer is the same in exact "
        "arithmetic. The left plot grows the logits and shows where the naive float32 and float64 "
        "formulas break while the stable one goes on; the right plot shows the softmax at the chosen "
        "scale."
    ),
    params=(
        FloatParam("scale", 100.0, "size of the largest logit", low=1.0, high=1e5, increment=1.0, log=True),
        IntParam("logits", 8, "number of logits", low=2, high=64, increment=2),
        ChoiceParam("dtype", "float32", "precision of the naive formula", choices=("float32", "float64")),
        ChoiceParam(
            "sign",
            "mixed",
            "mixed: logits from -scale to scale; positive: scale/2 to scale; negative: -scale to -scale/2",
            choices=("mixed", "positive", "negative"),
        ),
    ),
    answers={
        "stable_lse": "log-sum-exp, stable",
        "naive_failed": "naive formula overflowed or underflowed",
        "failure_scale_float32": "scale where naive float32 first fails",
        "failure_scale_float64": "scale where naive float64 first fails",
        "max_logit": "largest logit",
        "top_probability": "largest softmax probability",
    },
)
