"""The registry of simulations.

A simulation is two modules with the same name: ``sim.specs.<name>`` declares its ``SPEC``
(stdlib only, cheap to import) and ``sim.simulations.<name>`` holds ``compute`` and ``plot``
(numpy, imported only when the simulation runs). Its drawing functions import matplotlib, ``sim.layout``
and ``sim.plotting`` themselves, so that computing answers (a plain review, a quiz, ``sim run --json``)
never loads them: about 0.6 s of imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from sim.spec import Result, Spec

if TYPE_CHECKING:
    import numpy as np

    from sim.layout import Layout

NAMES: tuple[str, ...] = (
    "gradient-descent",
    "vanishing-gradients",
    "convolution",
    "pooling",
    "residual",
    "activations",
    "mlp",
    "backprop",
    "optimizers",
    "batching",
    "data-splits",
    "log-sum-exp",
    "cross-entropy",
    "jacobian-hessian",
)


def _module(name: str) -> str:
    return name.replace("-", "_")


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise ValueError(f"unknown simulation '{name}'; valid simulations: {', '.join(NAMES)}")


@cache
def spec(name: str) -> Spec:
    """The declaration of simulation ``name`` (cheap: no numpy)."""
    _check_name(name)
    found: Spec = importlib.import_module(f"sim.specs.{_module(name)}").SPEC
    return found


def specs() -> list[Spec]:
    """Every simulation's declaration, in registry order."""
    return [spec(name) for name in NAMES]


class _Catalog(Mapping[str, Spec]):
    """Every simulation's spec by name, in registry order; each spec is imported when first looked up."""

    def __getitem__(self, name: str) -> Spec:
        if name not in NAMES:
            raise KeyError(name)
        return spec(name)

    def __iter__(self) -> Iterator[str]:
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)


#: The simulations as a read-only mapping of name to spec: what a deck loader needs to check
#: a card's ``sim`` and ``sim_params`` (``studyapp.content.load_library(sims=CATALOG)``).
CATALOG: Mapping[str, Spec] = _Catalog()


@dataclass(frozen=True)
class Simulation:
    """A runnable simulation: its spec with its ``compute`` and ``plot`` functions.

    ``plot(layout, result)`` draws on ``layout.figure``, asking the ``sim.layout.Layout`` for its axes
    and artists (``sim.plotting.draw`` and ``save`` are the usual way to call it).
    """

    spec: Spec
    compute: Callable[[dict[str, Any], np.random.Generator], Result]
    plot: Callable[[Layout, Result], None]

    @property
    def name(self) -> str:
        return self.spec.name

    def run(self, params: Mapping[str, Any] | None = None, seed: int = 0) -> Result:
        """Validate ``params`` against the spec and compute with a seeded generator."""
        import numpy as np

        values = self.spec.resolve(params)
        return self.compute(values, np.random.default_rng(seed))


@cache
def get(name: str) -> Simulation:
    """The runnable simulation ``name``; ``ValueError`` listing valid names if unknown."""
    declared = spec(name)
    module = importlib.import_module(f"sim.simulations.{_module(name)}")
    return Simulation(declared, module.compute, module.plot)


def run(name: str, params: Mapping[str, Any] | None = None, seed: int = 0) -> Result:
    """Run simulation ``name`` with validated ``params`` and a seeded generator."""
    return get(name).run(params, seed)


def answers_of(
    name: str, params: Mapping[str, Any] | None = None, seed: int = 0, keys: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(label, formatted value) for each answer of a run, or for the answers ``keys`` in that order:
    what a card shows beside its answer."""
    from sim.spec import answer_rows

    result = run(name, params, seed)
    if keys:
        result = replace(result, answers={key: result.answers[key] for key in keys if key in result.answers})
    return answer_rows(spec(name), result)
