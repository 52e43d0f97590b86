"""Where studyapp keeps its collection and finds decks."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from studyapp.model import Problem

APP_NAME = "studyapp"
DB_ENV = "STUDYAPP_DB"


def user_data_dir() -> Path:
    """The per-user data folder (platformdirs), e.g. ~/.local/share/studyapp on Linux."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """The collection file: ``$STUDYAPP_DB`` if set, else ``collection.sqlite3`` in the data folder."""
    env = os.environ.get(DB_ENV)
    return Path(env).expanduser() if env else user_data_dir() / "collection.sqlite3"


def user_deck_dir() -> Path:
    """The folder where a user drops their own deck files."""
    return user_data_dir() / "decks"


def bundled_deck_dir() -> Path:
    """The decks shipped with the app: inside the wheel, or ``content/`` in a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "bundled_content"
    return installed if installed.is_dir() else here.parent / "content"


def path_status(path: Path) -> tuple[os.stat_result | None, Problem | None]:
    """The status of ``path`` (following links), or the problem that stops it being read."""
    try:
        return path.stat(), None
    except OSError as error:
        if error.errno == errno.ELOOP:
            message = "is a loop of symbolic links; point the link at a real file or folder"
        elif error.errno in (errno.ENOENT, errno.ENOTDIR):
            message = "no such file or folder; check the path"
        else:
            message = f"cannot read it: {error.strerror or error}"
        return None, Problem(path, message)
