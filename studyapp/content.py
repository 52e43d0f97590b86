"""The decks loaded: the bundled decks, the user's deck folder and any other folders, each deck file read
and checked (``studyapp.deck_reader``) into a ``Library``, and a library brought up to date when one
file was added, changed or removed, without reading the other files again.

A deck with any problem, or reusing a deck or card id, is skipped and its problems kept, so that
``studyapp check`` can report all of them in one run. Headless (stdlib and ``studyapp.model``): the
simulations a card may link to are passed in by the caller as a mapping of name to spec (``sims``),
so this module does not depend on the ``sim`` package; likewise the generated problems a drill card
may name (``problems``, name to title; ``problem = NAME``). The reader (with the TOML parser and the
formula checks) is imported when a deck file is read: a start whose decks come from the deck cache
does not need it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from studyapp.errors import UserError
from studyapp.model import Card, Deck, Problem
from studyapp.paths import bundled_deck_dir, path_status, user_deck_dir

DECK_SUFFIX = ".toml"


class SimParam(Protocol):
    """What the loader needs of a simulation parameter (``sim.params.Param`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def describe(self) -> str:
        """A short description of the valid values."""
        ...

    def coerce(self, value: Any) -> Any:
        """``value`` converted to the parameter's type; ``ValueError`` if it is not valid."""
        ...


class SimSpec(Protocol):
    """What the loader needs of a simulation's declaration (``sim.spec.Spec`` fits)."""

    @property
    def params(self) -> Sequence[SimParam]: ...

    @property
    def answers(self) -> Mapping[str, str]:
        """The keys of the answers the simulation computes, with their labels."""
        ...


#: The simulations cards may link to, by name (for example ``sim.registry.CATALOG``).
SimCatalog = Mapping[str, SimSpec]
#: The generated problems a drill card may name, with their titles (``studyapp.problems.PROBLEMS``).
ProblemCatalog = Mapping[str, str]


@dataclass
class Library:
    """All decks that loaded, in load order, and the problems of the decks that were skipped."""

    decks: list[Deck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def cards(self) -> list[Card]:
        return [card for deck in self.decks for card in deck.cards]

    @property
    def deck_titles(self) -> list[tuple[str, str]]:
        """``(id, title)`` of every deck, in load order."""
        return [(deck.id, deck.title) for deck in self.decks]

    @property
    def deck_ids(self) -> list[str]:
        """The id of every deck, in load order."""
        return [deck_id for deck_id, _title in self.deck_titles]

    def deck_cards(self, deck_id: str) -> list[Card]:
        """The cards of deck ``deck_id``, in deck order."""
        return [card for card in self.cards if card.deck == deck_id]

    def deck_card_lookup(self, deck_id: str) -> Callable[[str], Card | None]:
        """The card of deck ``deck_id`` with a given id, if it has one."""
        return {card.id: card for card in self.deck_cards(deck_id)}.get

    def card(self, card_id: str) -> Card:
        """The card with this id; ``KeyError`` if no loaded deck has it."""
        for deck in self.decks:
            for card in deck.cards:
                if card.id == card_id:
                    return card
        raise KeyError(card_id)

    def deck(self, deck_id: str) -> Deck:
        """The deck with this id; ``KeyError`` if none loaded."""
        for deck in self.decks:
            if deck.id == deck_id:
                return deck
        raise KeyError(deck_id)

    @property
    def tags(self) -> list[str]:
        return sorted({tag for card in self.cards for tag in card.tags})

    @property
    def has_drills(self) -> bool:
        """Whether a card is a drill (a generated problem)."""
        return any(card.problem for card in self.cards)


def _real(path: Path) -> Path:
    """``path`` with links resolved; a link loop stays as it is instead of raising."""
    return Path(os.path.realpath(path))


def _deck_entries(path: Path) -> tuple[list[Path], Problem | None]:
    """The deck files ``path`` names: a file as given, a folder's ``*.toml`` entries (not folders)."""
    status, problem = path_status(path)
    if status is None:
        return [], problem
    if not stat.S_ISDIR(status.st_mode):
        return [path], None
    try:
        entries = sorted(p for p in path.iterdir() if p.suffix == DECK_SUFFIX)
    except OSError as error:
        return [], Problem(path, f"cannot list the folder: {error.strerror or error}")
    return [p for p in entries if not p.is_dir()], None


def deck_files(paths: Iterable[Path], coming: Path | None = None) -> Iterator[Path]:
    """Deck files in ``paths``: files as given, folders expanded to their ``*.toml`` files, with
    ``coming`` (a deck file about to be put in one of those folders) listed as if it were there."""
    for path in paths:
        entries, problem = _deck_entries(path)
        if problem is None and coming is not None and coming.parent == path and coming not in entries:
            entries = sorted([*entries, coming])
        yield from [path] if problem else entries


def load_paths(
    paths: Iterable[Path],
    bundled: Iterable[Path] = (),
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> Library:
    """Load every deck in ``paths``; a deck with any problem, or reusing a deck or card id, is skipped.

    A card of a user's deck whose id is a bundled card's overrides that card (an edited copy of a
    read-only bundled card): it takes the bundled card's deck and place, so it keeps its history.
    A missing path, a link loop or a file that is not a regular file is a problem, never an exception.
    ``sims`` and ``problems`` are passed on to ``read_deck``.
    """
    from studyapp.deck_reader import read_deck

    library = Library()
    bundled_files = {_real(p) for p in deck_files(bundled)}
    card_origin: dict[str, Card] = {}
    overridden: set[str] = set()
    for source in paths:
        entries, problem = _deck_entries(source)
        if problem is not None:
            library.problems.append(problem)
        for path in entries:
            deck, found = read_deck(path, bundled=_real(path) in bundled_files, sims=sims, problems=problems)
            if deck is not None and not deck.bundled:
                deck = _take_overrides(deck, library, card_origin, overridden)
            if deck is not None:
                found = _clashes(deck, library, card_origin)
            library.problems.extend(found)
            if deck is not None and deck.cards and not found:
                library.decks.append(deck)
                card_origin.update((card.id, card) for card in deck.cards)
    return library


def with_deck(library: Library, deck: Deck, sources: Sequence[Path]) -> Library | None:
    """What ``load_paths(sources)`` loads now, given ``library``, what it loaded before one more deck file
    was written, and ``deck``, that file read and valid (a user's deck, not a bundled one): ``library``
    with ``deck`` in the place of its file (or where its file is about to be put). ``None`` when a
    loaded deck uses the deck's id or one of its cards' ids: only loading every deck again tells which
    one keeps it."""
    files = list(deck_files(sources, coming=deck.source))
    first = {path: index for index, path in reversed(list(enumerate(files)))}
    place = first.get(deck.source) if deck.source is not None else None
    ids = {card.id for card in deck.cards}
    bundled = deck.bundled or (
        deck.source is not None and _real(deck.source).parent == _real(bundled_deck_dir())
    )
    if place is None or bundled or any(other.id == deck.id for other in library.decks):
        return None
    if any(card.id in ids for card in library.cards):
        return None
    before = sum(
        1 for other in library.decks if other.source is not None and first.get(other.source, -1) < place
    )
    decks = [*library.decks[:before], deck, *library.decks[before:]]
    return Library(decks, list(library.problems))


def with_deck_read_again(
    library: Library,
    path: Path,
    sources: Sequence[Path],
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> Library | None:
    """What ``load_paths(sources)`` loads after the deck file ``path`` (not a bundled one) changed, given
    ``library``, what it loaded before: ``library`` with that file read again in its place, the other
    decks as they were. ``None`` when only loading every deck again tells: the file has a problem, or
    had one, or had an override copy of a bundled card (which stands in the bundled deck), or a deck
    or card id of it is used by another deck (as a new override copy's is). A file that is the text
    read before with cards added after it is read by those cards alone (``read_deck_again``)."""
    from studyapp.deck_reader import read_deck_again

    return _with_file_deck(library, path, sources, lambda old: read_deck_again(path, old, sims, problems))


def with_deck_written(library: Library, path: Path, deck: Deck, sources: Sequence[Path]) -> Library | None:
    """``with_deck_read_again`` for a deck file just written by this program: ``deck`` is what the loader
    read from the text written (``read_deck_text``, without problems), so the file is not read again."""
    return _with_file_deck(library, path, sources, lambda _before: (deck, []))


def _with_file_deck(
    library: Library,
    path: Path,
    sources: Sequence[Path],
    read: Callable[[Deck | None], tuple[Deck | None, list[Problem]]],
) -> Library | None:
    """``with_deck_read_again``, with the file's deck and problems from ``read(deck read before)``."""
    split = _split_by_file(library, path)
    if split is None:
        return None
    others, own = split
    deck, found = read(own[0] if len(own) == 1 else None)
    if deck is None or found:
        return None
    return with_deck(Library(others, list(library.problems)), deck, sources)


def _split_by_file(library: Library, path: Path) -> tuple[list[Deck], list[Deck]] | None:
    """``library``'s decks of the other files, and of the deck file ``path``; ``None`` when that file
    cannot be read again alone: it had a problem, or some of its cards stand in another deck (override
    copies of bundled cards: the bundled deck holds them)."""
    real = os.path.realpath(path)
    if any(os.path.realpath(problem.path) == real for problem in library.problems):
        return None
    others: list[Deck] = []
    own: list[Deck] = []
    for deck in library.decks:
        (own if deck.source is not None and os.path.realpath(deck.source) == real else others).append(deck)
    card_files = {card.source for other in others for card in other.cards if card.source is not None}
    if any(os.path.realpath(file) == real for file in card_files):
        return None
    return others, own


def deck_read_from(library: Library, path: Path) -> Deck | None:
    """The deck ``library`` holds as the loader read it from the file ``path``; ``None`` if it holds
    none, or the file had a problem, or some of its cards stand in another deck (override copies)."""
    split = _split_by_file(library, path)
    return split[1][0] if split is not None and len(split[1]) == 1 else None


def without_deck_file(library: Library, path: Path) -> Library | None:
    """What ``load_paths`` loads after the deck file ``path`` was removed, given ``library``, what it
    loaded before: ``library`` without that file's deck. ``None`` when only loading every deck again
    tells: a deck had a problem (the removed one may have caused it), or the file held a bundled deck or
    an override copy of a bundled card (which stands in the bundled deck)."""
    if library.problems:
        return None
    real = os.path.realpath(path)
    others = [d for d in library.decks if d.source is None or os.path.realpath(d.source) != real]
    staying = {id(deck) for deck in others}
    if any(deck.bundled for deck in library.decks if id(deck) not in staying):
        return None
    card_files = {card.source for other in others for card in other.cards if card.source is not None}
    if any(os.path.realpath(file) == real for file in card_files):
        return None
    return Library(others, [])


def _take_overrides(deck: Deck, library: Library, card_origin: dict[str, Card], overridden: set[str]) -> Deck:
    """Put each card of a user's ``deck`` that overrides a bundled card in that card's place; returns
    the deck with the rest of its cards (a second override of the same card stays, a duplicate)."""
    own = []
    for card in deck.cards:
        origin = card_origin.get(card.id)
        index = None if card.id in overridden else _bundled_deck_of(origin, library)
        if origin is None or index is None:
            own.append(card)
            continue
        bundled = library.decks[index]
        copy = replace(card, deck=bundled.id, position=origin.position)
        cards = tuple(copy if other.id == card.id else other for other in bundled.cards)
        library.decks[index] = replace(bundled, cards=cards)
        card_origin[card.id] = copy
        overridden.add(card.id)
    return replace(deck, cards=tuple(own))


def _bundled_deck_of(card: Card | None, library: Library) -> int | None:
    """The index in ``library.decks`` of the bundled deck ``card`` was authored in, if it was."""
    if card is None or card.source is None:
        return None
    for index, deck in enumerate(library.decks):
        if deck.bundled and deck.id == card.deck:
            return index
    return None


def _clashes(deck: Deck, library: Library, card_origin: Mapping[str, Card]) -> list[Problem]:
    """Problems from ids that an already loaded deck uses."""
    assert deck.source is not None
    problems = []
    if any(other.id == deck.id for other in library.decks):
        problems.append(Problem(deck.source, f"deck id '{deck.id}' is already used by another deck", 1))
    for card in deck.cards:
        first = card_origin.get(card.id)
        if first is not None:
            where = f"{first.source}:{first.line}"
            problems.append(
                Problem(
                    deck.source, f"duplicate card id '{card.id}' (also in {where})", card.line, card=card.id
                )
            )
    return problems


def deck_sources(extra_dirs: Sequence[Path] = (), user_dir: Path | None = None) -> list[Path]:
    """Deck sources: the bundled folder, the user's deck folder if it exists, then ``extra_dirs``."""
    user = user_dir if user_dir is not None else user_deck_dir()
    return [bundled_deck_dir(), *([user] if user.is_dir() else []), *extra_dirs]


def load_library(
    extra_dirs: Sequence[Path] = (),
    user_dir: Path | None = None,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> Library:
    """The bundled decks, then the user's deck folder, then ``extra_dirs``.

    A broken user deck is skipped and reported in ``Library.problems``; a broken bundled
    deck is an installation fault and raises ``UserError``. Pass ``sims`` (for example
    ``sim.registry.CATALOG``) to check the cards' simulations and presets, and ``problems``
    (``studyapp.problems.PROBLEMS``) to check the problems drill cards name.
    """
    bundled = bundled_deck_dir()
    library = load_paths(deck_sources(extra_dirs, user_dir), bundled=[bundled], sims=sims, problems=problems)
    broken = [p for p in library.problems if _real(p.path).parent == _real(bundled)]
    if broken or not any(deck.bundled for deck in library.decks):
        details = "\n".join(str(p) for p in broken) or f"no deck found in {bundled}"
        raise UserError(f"the bundled decks are damaged; reinstall studyapp.\n{details}")
    return library
