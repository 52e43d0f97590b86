"""sim: exact deep-learning numerics and live simulations.

The numerical functions follow PyTorch's conventions and work on float64 numpy arrays::

    import sim
    sim.conv2d(image, sim.FILTERS["sobel_vertical"], stride=2, padding=1)
    sim.run("gradient-descent", {"lr": 0.1}).answers

numpy and matplotlib are imported on first use, so ``import sim`` and the registry of
simulation specs stay cheap; running a simulation imports numpy, and only drawing its plot imports
matplotlib's figures.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim.registry import NAMES, Simulation, answers_of, get, run, spec, specs
from sim.spec import Result, Spec, format_answer

if TYPE_CHECKING:
    from sim.autodiff import grad, hessian, jacobian, trace
    from sim.conv import FILTERS, conv2d, global_pool, output_size, pool2d
    from sim.networks import mlp_gradients
    from sim.nn import cross_entropy, log_softmax, logsumexp, softmax
    from sim.optim import newton, optimize
    from sim.plotting import Renderer, render, save

_LAZY = {
    "conv2d": "sim.conv",
    "output_size": "sim.conv",
    "FILTERS": "sim.conv",
    "pool2d": "sim.conv",
    "global_pool": "sim.conv",
    "mlp_gradients": "sim.networks",
    "logsumexp": "sim.nn",
    "softmax": "sim.nn",
    "log_softmax": "sim.nn",
    "cross_entropy": "sim.nn",
    "optimize": "sim.optim",
    "newton": "sim.optim",
    "grad": "sim.autodiff",
    "jacobian": "sim.autodiff",
    "hessian": "sim.autodiff",
    "trace": "sim.autodiff",
    "render": "sim.plotting",
    "save": "sim.plotting",
    "Renderer": "sim.plotting",
}

__all__ = [
    "FILTERS",
    "NAMES",
    "Renderer",
    "Result",
    "Simulation",
    "Spec",
    "answers_of",
    "conv2d",
    "cross_entropy",
    "format_answer",
    "get",
    "global_pool",
    "grad",
    "hessian",
    "jacobian",
    "log_softmax",
    "logsumexp",
    "mlp_gradients",
    "newton",
    "optimize",
    "output_size",
    "pool2d",
    "render",
    "run",
    "save",
    "softmax",
    "spec",
    "specs",
    "trace",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
