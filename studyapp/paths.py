"""Where studyapp keeps its collection and finds decks."""

from __future__ import annotations

import os
from pathlib import Path

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
