"""Spec of the convolution simulation: a filter sliding over a photo or a synthetic scene."""

from sim.params import ChoiceParam, FloatParam, IntParam, TextParam
from sim.spec import Spec

#: The named filters of ``sim.conv.FILTERS``, plus ``custom`` for the ``kernel`` text.
FILTER_CHOICES = (
    "sobel_horizontal",
    "sobel_vertical",
    "laplacian",
    "laplacian_diagonal",
    "blur",
    "box_blur",
    "sharpen",
    "identity",
    "custom",
)

SPEC = Spec(
    name="convolution",
    title="Convolution: a filter sliding over an image",
    explanation=(
        "A convolutional layer slides a small grid of weights, the kernel or filter, over the image. At "
        "every position it multiplies the kernel with the patch under it and adds the products up, giving "
        "one number of the feature map; the number is largest where the patch looks like the kernel. "
        "Sobel kernels find horizontal or vertical edges, Laplacians find changes in every direction, "
        "blur averages neighbours and sharpen does the opposite; a CNN learns such kernels itself, with "
        "edge detectors in its first layers. Padding adds a border (zeros, copies of the edge, a mirror "
        "image or a wrap-around) so the kernel can also sit on the edge pixels, and the stride is how far "
        "the kernel jumps between positions. Each axis of the feature map has "
        "floor((n + 2 * padding - kernel) / stride) + 1 entries. Strictly, what is computed here, as in "
        "PyTorch, TensorFlow and every deep-learning framework, is a cross-correlation: the kernel slides "
        "over the image as it is, without being flipped. A true (mathematical) convolution flips the "
        "kernel in both directions, a 180-degree rotation, before sliding it. For symmetric kernels such "
        "as blur and the Laplacian the two agree; a flipped Sobel kernel finds the same edges with the "
        "opposite sign. A CNN learns its kernels, so the difference does not matter there: it would "
        "simply learn the flipped kernel."
    ),
    params=(
        ChoiceParam(
            "image",
            "photo",
            "the input: a photo (Grace Hopper) or a synthetic scene of shapes",
            choices=("photo", "shapes"),
        ),
        IntParam("size", 64, "height of the input in pixels", low=16, high=128, increment=8),
        FloatParam("noise", 0.0, "standard deviation of noise added to the input", low=0.0, high=0.5),
        ChoiceParam("filter", "sobel_vertical", "the kernel to slide over the input", choices=FILTER_CHOICES),
        TextParam(
            "kernel",
            "2 1 0; 1 0 -1; 0 -1 -2",
            "the custom kernel (filter = custom): rows separated by ';', up to 7x7; "
            "9 numbers without ';' make a 3x3",
            max_length=400,
        ),
        IntParam("stride", 1, "how many pixels the kernel moves between positions", low=1, high=4),
        IntParam("padding", 1, "pixels added on each side of the input", low=0, high=4),
        ChoiceParam(
            "padding_mode",
            "zeros",
            "what the padding contains, as in torch.nn.Conv2d",
            choices=("zeros", "replicate", "reflect", "circular"),
        ),
        IntParam("row", 10, "row of the feature map value to report (clamped to the map)", low=0, high=200),
        IntParam(
            "col", 10, "column of the feature map value to report (clamped to the map)", low=0, high=200
        ),
    ),
    answers={
        "output_shape": "feature map shape (rows, cols)",
        "input_shape": "input shape (rows, cols)",
        "probe": "reported position (row, col)",
        "probe_value": "feature map value at the reported position",
        "max_location": "strongest response position (row, col)",
        "max_value": "strongest response value",
        "kernel": "kernel",
    },
)
