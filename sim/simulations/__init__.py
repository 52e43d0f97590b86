"""One module per simulation: ``compute(params, rng) -> Result`` and ``plot(layout, result)``."""
