"""Spec of the pooling simulation: max, average and global pooling of a small feature map."""

from sim.params import ChoiceParam, IntParam
from sim.spec import Spec

SPEC = Spec(
    name="pooling",
    title="Pooling: shrinking a feature map",
    explanation=(
        "Pooling cuts a feature map into small windows and keeps one number per window: the largest "
        "(max pooling, sharp features) or the mean (average pooling, smooth features). It has no weights to "
        "learn; it is a fixed rule that shrinks the map, so later layers see a coarser, higher-level "
        "summary. Global pooling uses the whole map as one window and keeps a single number per channel. "
        "Because a window keeps its maximum wherever inside it the maximum sits, moving the input by a pixel "
        "changes the pooled map much less than it changes the input itself: the network cares more about "
        "what is present than exactly where. Here the input is shifted to the right with wrap-around and "
        "the mean change of both maps is measured, also relative to each map's mean size (max pooling "
        "picks large values, so its absolute changes are larger numbers); global pooling does not change. "
        "Having no weights does not stop the gradient: backpropagation passes through pooling. The "
        "backward view (view = backward) shows where it goes when every pooled value sends back a "
        "gradient of 1 (the gradient of L = the sum of the pooled map): max pooling routes each window's "
        "gradient to the pixel that was the maximum and the others get 0, while average pooling spreads "
        "it equally, 1 / window² to every pixel of the window. Where windows overlap (stride smaller "
        "than the window) a pixel collects from each of its windows."
    ),
    params=(
        ChoiceParam(
            "kind",
            "max",
            "pooling rule: per-window max or mean, or over the whole map",
            choices=("max", "avg", "global_max", "global_avg"),
        ),
        IntParam("window", 2, "side of the square pooling window", low=1, high=4),
        IntParam("stride", 2, "how far the window moves between outputs", low=1, high=4),
        IntParam("map_size", 8, "side of the square input map", low=4, high=32),
        ChoiceParam(
            "input",
            "integers",
            "the input map: random integers 0-9, or the rectified vertical-edge map of a scene of shapes",
            choices=("integers", "edges"),
        ),
        IntParam(
            "shift", 1, "pixels the input moves right (wrapping around) for the shift test", low=1, high=4
        ),
        ChoiceParam(
            "view",
            "forward",
            "what the plot shows beside the pooled map: forward, how much a shift changes it; backward, "
            "where the gradient goes (dL/dx for L = the sum of the pooled map)",
            choices=("forward", "backward"),
        ),
    ),
    answers={
        "output": "pooled values",
        "output_shape": "pooled map shape (rows, cols)",
        "raw_shift_change": "mean |change| of the input under the shift",
        "pooled_shift_change": "mean |change| of the pooled map under the shift",
        "raw_relative_change": "input change / mean |input|",
        "pooled_relative_change": "pooled change / mean |pooled map|",
        "shift_reduces_change": "pooling reduces the relative change",
        "input_gradient": "gradient reaching each input pixel, dL/dx for L = the sum of the pooled map",
        "gradient_receivers": "input pixels that receive a gradient",
    },
)
