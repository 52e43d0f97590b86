"""Spec of the Jacobian and Hessian simulation."""

from sim.params import FloatParam, IntParam, TextParam
from sim.spec import Spec

#: The most outputs of the network g; the cost plot runs from 1 to this many.
MAX_OUTPUTS = 8

SPEC = Spec(
    name="jacobian-hessian",
    title="Jacobian and Hessian: first and second derivatives",
    explanation=(
        "The Jacobian of a function with several outputs holds its first-order partial derivatives: one "
        "row per output, one column per input. The Hessian of a scalar function holds the second-order "
        "partial derivatives; it is the Jacobian of the gradient, it is symmetric, and its eigenvectors are "
        "the directions of strongest and weakest curvature (a positive eigenvalue curves up like a bowl, a "
        "negative one curves down; mixed signs make a saddle). Left: the contours of f(x, y), its gradient "
        "field (arrows point uphill, across the contours), and at the chosen point the gradient (orange) and "
        "the Hessian's eigen-directions (green curves up, red curves down), found by differentiating the "
        "expression's graph twice. Middle, top: the Hessian of f at that point, as a 2x2 grid. Middle, "
        "bottom: the Jacobian of another function, a small network g(v) = W2 tanh(W1 v + b) with random "
        "weights (rows: outputs g1, g2, ...; columns: inputs v1, v2, ...). Right: the cost of g's "
        "derivatives. One reverse (backward) pass gives one vector-Jacobian product "
        "u^T J, which is all that backpropagation of a scalar loss needs; the full Jacobian takes one pass "
        "per output, so its cost grows with the number of outputs while the VJP's stays one pass."
    ),
    params=(
        TextParam(
            "function",
            "0.25*x**4 - x**2 + y**2 + x*y",
            "f(x, y): numbers, x, y, + - * / **, exp log sqrt tanh sigmoid relu sin cos",
            max_length=120,
        ),
        FloatParam("x", -0.5, "x of the point where the derivatives are taken", low=-3.0, high=3.0),
        FloatParam("y", 1.0, "y of the point where the derivatives are taken", low=-3.0, high=3.0),
        FloatParam(
            "span",
            2.0,
            "half-width of the plotted window around the point",
            low=0.25,
            high=5.0,
            increment=0.25,
        ),
        IntParam("outputs", 3, "outputs of the network g (rows of its Jacobian)", low=1, high=MAX_OUTPUTS),
        IntParam("inputs", 4, "inputs of the network g (columns of its Jacobian)", low=1, high=8),
    ),
    answers={
        "hessian": "Hessian of f at (x, y) (= Jacobian of the gradient)",
        "hessian_eigenvalues": "Hessian eigenvalues (curvatures)",
        "gradient": "gradient of f at (x, y)",
        "value": "f(x, y)",
        "jacobian": "Jacobian of g (outputs x inputs)",
        "vjp": "vector-Jacobian product u^T J",
        "vjp_passes": "backward passes for one VJP",
        "jacobian_passes": "backward passes for the full Jacobian",
        "vjp_operations": "multiply-adds for one VJP",
        "jacobian_operations": "multiply-adds for the full Jacobian",
    },
)
