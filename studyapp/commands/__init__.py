"""Subcommands of the ``studyapp`` command line; each module defines ``register(subparsers)``."""
