"""Anki decks in and out: ``.apkg`` export with genanki, and imports of Anki packages and CSV/TSV files.

``export`` writes decks as Anki notes. ``importer`` turns an ``.apkg``/``.colpkg`` (opened by
``package``, its note types read by ``notetypes``, its notes turned into cards by ``convert``) or a
CSV/TSV file (``table``) into a ``source.Source``, writes it as a new TOML deck (``deck_file``) and
replays its review history through FSRS. ``markup`` and ``mathjax`` convert text between the deck
format (plain text, Markdown, ``$…$``) and Anki's HTML with MathJax; ``protobuf`` reads the settings
of Anki's newer files. Importing this package is cheap: heavy libraries are imported where used.
"""

PACKAGE_SUFFIXES = (".apkg", ".colpkg")
TABLE_SUFFIXES = (".csv", ".tsv")
#: The files ``studyapp import`` turns into a new deck (any other file is a studyapp export).
DECK_SUFFIXES = PACKAGE_SUFFIXES + TABLE_SUFFIXES
