"""Each card's simulation shows the card's point: the links and presets changed after the lecturer's
review are run and checked numerically, and every headline names answers its run returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.registry import CATALOG
from studyapp.content import load_library
from studyapp.model import Card

#: The answers of the jacobian-hessian simulation that are about the Jacobian of g.
JACOBIAN_ANSWERS = {
    "jacobian",
    "vjp",
    "vjp_passes",
    "jacobian_passes",
    "vjp_operations",
    "jacobian_operations",
}


@cache
def cards() -> dict[str, Card]:
    return {card.id: card for card in load_library(user_dir=Path("/nonexistent"), sims=CATALOG).cards}


def run(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of simulation ``name`` run with ``params``."""
    return sim.run(name, params).answers


@cache
def answers(card_id: str) -> dict[str, Any]:
    """The answers of the card's simulation preset."""
    card = cards()[card_id]
    assert card.sim is not None
    return run(card.sim, card.sim_params)


# --- every card with a simulation has a headline that its run fills --------------------------------------


@pytest.mark.parametrize("card_id", sorted(c.id for c in cards().values() if not c.problem))
def test_headline_keys_are_answers_of_the_run(card_id: str) -> None:
    card = cards()[card_id]
    assert card.sim and card.headline, "every card with a simulation says which answers its review shows"
    assert set(card.headline) <= set(answers(card_id)), card.headline


# --- the jacobian card shows the Jacobian ----------------------------------------------------------------


def test_jacobian_headline_shows_the_jacobian_not_the_hessian() -> None:
    card = cards()["jacobian"]
    assert card.headline[0] == "jacobian" and set(card.headline) <= JACOBIAN_ANSWERS
    found = answers("jacobian")
    outputs, inputs = card.sim_params["outputs"], card.sim_params["inputs"]
    jacobian = found["jacobian"]
    assert isinstance(jacobian, list) and len(jacobian) == outputs
    assert all(len(row) == inputs for row in jacobian)
    assert found["jacobian_passes"] == outputs and found["vjp_passes"] == 1
    assert cards()["hessian"].headline[0] == "hessian"


# --- backpropagation opens the backprop simulation ----------------------------------------------------


def test_backpropagation_computes_the_gradient_by_the_chain_rule() -> None:
    card = cards()["backpropagation"]
    assert card.sim == "backprop"
    found = answers("backpropagation")
    assert found["variables"] == ["w1", "b1", "w2", "b2", "x", "y"]
    values = dict(zip(found["variables"], [0.5, 0.1, -0.8, 0.2, 1.5, 1.0], strict=True))
    assert card.sim_params["values"] == ", ".join(f"{k}={v:g}" for k, v in values.items())

    def loss(v: dict[str, float]) -> float:
        hidden = math.tanh(v["w1"] * v["x"] + v["b1"])
        out = 1 / (1 + math.exp(-(v["w2"] * hidden + v["b2"])))
        return (out - v["y"]) ** 2

    # The chain rule by hand, backwards from the loss: dL/dout, then through the sigmoid and the tanh.
    hidden = math.tanh(values["w1"] * values["x"] + values["b1"])
    out = 1 / (1 + math.exp(-(values["w2"] * hidden + values["b2"])))
    d_pre_out = 2 * (out - values["y"]) * out * (1 - out)
    d_pre_hidden = d_pre_out * values["w2"] * (1 - hidden**2)
    by_hand = [d_pre_hidden * values["x"], d_pre_hidden, d_pre_out * hidden, d_pre_out]
    assert found["gradient"][:4] == pytest.approx(by_hand, rel=1e-12)
    assert found["value"] == pytest.approx(loss(values), rel=1e-12)
    assert found["fd_max_error"] < 1e-8
    assert all(abs(g) > 0.05 for g in found["gradient"][:4]), "every weight gets a gradient"


# --- why-activations: without a non-linearity a network cannot fit xor -------------------------------


def test_why_activations_shows_a_linear_network_failing_on_xor() -> None:
    card = cards()["why-activations"]
    assert card.sim == "mlp" and card.sim_params["activation"] == "identity"
    assert card.sim_params["target"] == "xor"
    linear = answers("why-activations")
    tanh = run("mlp", {**card.sim_params, "activation": "tanh"})
    assert linear["final_loss"] > tanh["final_loss"] + 0.5
    assert linear["score"] < 0.6 and tanh["score"] == 1.0
    assert linear["final_loss"] == pytest.approx(math.log(2), abs=0.01), "no better than a coin"


# --- batch-training: minibatches make many cheap updates per epoch ----------------------------------------


def test_batch_training_shows_minibatches_reaching_the_optimum_in_few_epochs() -> None:
    card = cards()["batch-training"]
    assert card.sim == "batching" and card.sim_params["epochs"] <= 3
    found = answers("batch-training")
    full, minibatch, _ = found["final_loss"]
    full_updates, minibatch_updates, sgd_updates = found["updates_per_epoch"]
    assert full_updates == 1 < minibatch_updates < sgd_updates
    assert minibatch < 1.1 * found["optimal_loss"]
    assert full > 5 * found["optimal_loss"]


# --- adaptive-optimisers: a preset where the adaptive methods win --------------------------------------


def test_adaptive_optimisers_beat_plain_sgd_within_the_steps() -> None:
    card = cards()["adaptive-optimisers"]
    found = answers("adaptive-optimisers")
    sgd, _, adagrad, rmsprop, adam, _ = found["final_gap"]
    steps = card.sim_params["steps"]
    assert found["steps_sgd"] == -1 or found["steps_sgd"] > steps // 2
    for method in ("adagrad", "rmsprop", "adam"):
        reached = found[f"steps_{method}"]
        assert 0 <= reached < steps, method
        assert found["steps_sgd"] == -1 or reached < found["steps_sgd"], method
    assert adam < sgd / 100 and rmsprop < sgd / 100 and adagrad < sgd / 10


@pytest.mark.parametrize("adaptive_lr", [0.17, 0.19, 0.2, 0.22])
def test_the_adaptive_preset_is_not_a_lucky_value(adaptive_lr: float) -> None:
    params = {**cards()["adaptive-optimisers"].sim_params, "adaptive_lr": adaptive_lr}
    found = run("optimizers", params)
    sgd, _, adagrad, rmsprop, adam, _ = found["final_gap"]
    assert max(adagrad, rmsprop, adam) < sgd
    assert all(found[f"steps_{m}"] >= 0 for m in ("adagrad", "rmsprop", "adam"))
