"""One module per simulation: ``compute(params, rng) -> Result`` and ``plot(fig, result)``."""
