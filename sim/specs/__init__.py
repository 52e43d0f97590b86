"""One module per simulation declaring its ``SPEC``; stdlib only."""
