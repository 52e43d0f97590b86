"""Spec of the backpropagation (reverse-mode differentiation) simulation."""

from sim.params import FloatParam, TextParam
from sim.spec import Spec

SPEC = Spec(
    name="backprop",
    title="Backpropagation on a computational graph",
    explanation=(
        "A computational graph breaks a formula into elementary operations: one box per operation, with "
        "an arrow from each input to the box that uses it. The forward pass computes every box's value "
        "from the inputs to the output. The backward pass (reverse-mode differentiation) starts at the "
        "output with gradient 1 and walks the arrows backwards: a box's gradient is the sum, over the "
        "boxes that use it, of their gradient times the local derivative of that operation (the chain "
        "rule). A variable used twice collects gradient along both paths. One backward pass gives the "
        "derivative of a single output with respect to every input at once, at about the cost of the "
        "forward pass, which is why backpropagation can train networks with millions of weights. Boxes "
        "are coloured by their gradient (blue negative, red positive, grey constants); the bars check "
        "each partial derivative against central finite differences (f(v+h) - f(v-h)) / 2h. Type any "
        "expression with + - * / **, exp, log, sqrt, tanh, sigmoid, relu, sin and cos, and give every "
        "variable a value in 'values'."
    ),
    params=(
        TextParam(
            "expression",
            "(sigmoid(w*x + b) - y)**2",
            "the function to differentiate: numbers, variables, + - * / **, exp log sqrt tanh "
            "sigmoid relu sin cos",
            max_length=120,
        ),
        TextParam(
            "values",
            "w=0.5, x=1.5, b=0.1, y=1",
            "the value of every variable, as name=number separated by commas",
            max_length=200,
        ),
        FloatParam(
            "fd_step",
            1e-5,
            "step h of the central finite differences used as a check",
            low=1e-8,
            high=0.1,
            increment=9.0,
            log=True,
        ),
    ),
    answers={
        "gradient": "partial derivatives, in the order of the values",
        "variables": "variables, in order",
        "value": "value of the expression",
        "fd_max_error": "largest |backprop - finite differences|",
        "nodes": "nodes in the graph",
        "backward_edges": "multiply-adds in the one backward pass",
    },
)
