"""Remembered training runs: the very numbers of a fresh run, trained once per distinct input."""

from __future__ import annotations

import numpy as np
import pytest

from sim import memo, training
from sim.simulations import batching
from tests.sim.test_networks import random_problem


def same_fit(got: training.Fit, want: training.Fit) -> bool:
    arrays = zip(
        [got.losses, *got.weights, *got.biases, *got.start_gradients],
        [want.losses, *want.weights, *want.biases, *want.start_gradients],
        strict=True,
    )
    return got.diverged == want.diverged and all(np.array_equal(a, b) for a, b in arrays)


def test_digests_tell_values_shapes_and_types_apart() -> None:
    values = np.arange(6.0)
    assert memo.digest(values) == memo.digest(values.copy())
    assert memo.digest(values) != memo.digest(values.reshape(2, 3))
    assert memo.digest(values) != memo.digest(values.astype(np.float32))
    assert memo.digest([values, values]) != memo.digest([values])
    assert memo.digest(1, "a") != memo.digest("1", "a")
    changed = values.copy()
    changed[3] = np.nextafter(changed[3], 10.0)  # one bit
    assert memo.digest(values) != memo.digest(changed)


def test_a_memo_forgets_the_least_recently_used() -> None:
    kept: memo.Memo[int] = memo.Memo(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # now "b" is the oldest
    kept.put("c", 3)
    assert kept.get("b") is None and kept.get("a") == 1 and kept.get("c") == 3
    assert kept.get_or_make("d", lambda: 4) == 4 and kept.get_or_make("d", lambda: 5) == 4


@pytest.mark.parametrize(("loss", "optimizer"), [("mse", "gd"), ("cross_entropy", "adam")])
def test_remembered_fits_are_the_fits_and_train_each_input_once(loss: str, optimizer: str) -> None:
    training.FITS.clear()
    weights, biases, x, y = random_problem([3, 6, 6, 2 if loss == "cross_entropy" else 3], 11, loss)
    variants = [("tanh", False), ("identity", False)]
    fresh = training.fit_variants(weights, biases, x, y, 15, 0.05, variants, loss, optimizer)
    first = training.remembered_fits(weights, biases, x, y, 15, 0.05, variants, loss, optimizer)
    again = training.remembered_fits(weights, biases, x, y, 15, 0.05, variants, loss, optimizer)
    assert all(same_fit(got, want) for got, want in zip(first, fresh, strict=True))
    assert all(a.losses is b.losses for a, b in zip(first, again, strict=True)), "trained once"
    assert not first[0].losses.flags.writeable, "shared arrays are read-only"
    # Another activation for the first variant: the second (identity) is remembered, the first trained.
    other = [("relu", False), ("identity", False)]
    mixed = training.remembered_fits(weights, biases, x, y, 15, 0.05, other, loss, optimizer)
    assert mixed[1].losses is first[1].losses
    alone = training.fit(weights, biases, x, y, 15, 0.05, "relu", False, loss, optimizer)
    assert same_fit(mixed[0], alone)
    # Any other input trains afresh.
    nudged = [w.copy() for w in weights]
    nudged[0][0, 0] += 1e-12
    moved = training.remembered_fits(nudged, biases, x, y, 15, 0.05, variants, loss, optimizer)
    assert moved[1].losses is not first[1].losses
    want = training.fit_variants(nudged, biases, x, y, 15, 0.05, variants, loss, optimizer)
    assert all(same_fit(got, fit) for got, fit in zip(moved, want, strict=True))


def test_remembered_fits_with_own_starts() -> None:
    training.FITS.clear()
    weights, biases, x, y = random_problem([2, 5, 5, 1], 4, "mse")
    other = [w * 0.5 for w in weights]
    variants = [("tanh", False), ("tanh", True)]
    fresh = training.fit_variants(weights, biases, x, y, 9, 0.02, variants, starts=[other, weights])
    got = training.remembered_fits(weights, biases, x, y, 9, 0.02, variants, starts=[other, weights])
    assert all(same_fit(a, b) for a, b in zip(got, fresh, strict=True))
    with pytest.raises(ValueError, match="starts"):
        training.remembered_fits(weights, biases, x, y, 9, 0.02, variants, starts=[other])


def test_remembered_minibatch_training_is_the_training() -> None:
    batching.HISTORIES.clear()
    x, y = batching.regression(48, 3, 0.3, np.random.default_rng(2))
    fresh = batching.train(x, y, 8, 0.05, 4, np.random.default_rng(9))
    first = batching.remembered_train(x, y, 8, 0.05, 4, np.random.default_rng(9))
    again = batching.remembered_train(x, y, 8, 0.05, 4, np.random.default_rng(9))
    assert np.array_equal(first, fresh) and again is first and not first.flags.writeable
    other = batching.remembered_train(x, y, 8, 0.05, 4, np.random.default_rng(10))  # another shuffle
    assert np.array_equal(other, batching.train(x, y, 8, 0.05, 4, np.random.default_rng(10)))
    assert not np.array_equal(other, first)
