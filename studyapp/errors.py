"""Errors meant for people: a message and an exit status, never a traceback."""


class UserError(Exception):
    """Something the user can fix; ``main`` prints the message and exits with ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
