"""A deck file edited in place (cards changed, added, taken away or moved) read by its changed
``[[cards]]`` tables alone: the deck and its problems are those a read of the whole file gives, down to
each card's line and place; and only a whole read tells when more than whole tables changed."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.registry import CATALOG
from studyapp.deck_reader import read_deck, read_deck_edited, read_deck_text
from studyapp.problems import PROBLEMS

HEAD = '# My deck\n[deck]\nid = "mine"\ntitle = "Mine"\n\n'


def table(number: int, kind: str) -> str:
    """One ``[[cards]]`` table of a few kinds (a cloze note makes two cards)."""
    if kind == "cloze":
        return f'[[cards]]\nid = "gap-{number}"\ntext = "{{{{c1::One}}}} and {{{{c2::two}}}} ({number})."\n\n'
    if kind == "sim":
        return (
            f'[[cards]]\nid = "pool-{number}"\nquestion = "Pooling {number}?"\nanswer = "The largest."\n'
            'sim = "pooling"\n\n[cards.sim_params]\nkind = "max"\n\n'
        )
    if kind == "commented":
        return (
            f'[[cards]]\n# a note on card {number}\nid = "card-{number}"\nquestion = "Q {number}?"\n'
            'answer = "A."\n\n'
        )
    if kind == "drill":
        return f'[[cards]]\nid = "drill-{number}"\nproblem = "conv-output-size"\n\n'
    return (
        f'[[cards]]\nid = "card-{number}"\nquestion = "Question {number}?"\nanswer = "Answer {number}."\n'
        f'tags = ["t{number % 3}"]\n\n'
    )


KINDS = st.sampled_from(["plain", "cloze", "sim", "commented", "drill"])


def read_both(tmp_path: Path, text: str, edited: str) -> tuple[object, object]:
    """``edited`` read by its changed tables, given the deck read from ``text``, and read whole."""
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    deck, problems = read_deck(path, sims=CATALOG, problems=PROBLEMS)
    assert deck is not None and problems == []
    fast = read_deck_edited(deck, text, edited, CATALOG, PROBLEMS)
    return fast, read_deck_text(path, edited, sims=CATALOG, problems=PROBLEMS)


EDITS = st.sampled_from(["answer", "insert", "delete", "move", "comment", "lines", "duplicate", "broken"])


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(KINDS, min_size=1, max_size=7),
    edits=st.lists(st.tuples(EDITS, st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=3),
)
def test_an_edited_deck_read_by_its_changed_tables_is_the_deck_read_whole(
    tmp_path_factory: object, kinds: list[str], edits: list[tuple[str, int, int]]
) -> None:
    tables = [table(number, kind) for number, kind in enumerate(kinds)]
    text = HEAD + "".join(tables)
    for edit, at, other in edits:
        index = at % len(tables)
        if edit == "answer" and "answer = " in tables[index]:
            tables[index] = (
                tables[index]
                .replace("answer = ", 'answer = "Edited." # was ', 1)
                .replace('"Edited." # was "', '"Edited, was ', 1)
            )
        elif edit == "insert":
            tables.insert(index, table(100 + other, ["plain", "cloze", "sim"][other % 3]))
        elif edit == "delete" and len(tables) > 1:
            del tables[index]
        elif edit == "move":
            tables.insert(other % len(tables), tables.pop(index))
        elif edit == "comment":
            tables[index] = tables[index].replace("\n", "\n# a comment\n", 1)
        elif edit == "lines":
            tables[index] += "\n\n\n"
        elif edit == "duplicate":
            tables.insert(index, tables[other % len(tables)])
        elif edit == "broken":
            tables[index] = tables[index].replace("[[cards]]\n", '[[cards]]\nunknown = "key"\n', 1)
    edited = HEAD + "".join(tables)
    folder = tmp_path_factory.mktemp("deck")  # type: ignore[attr-defined]
    fast, full = read_both(folder, text, edited)
    if fast is not None:
        assert fast == full


def test_a_card_changed_in_place_is_read_alone_and_cards_after_new_lines_keep_their_values(
    tmp_path: Path,
) -> None:
    tables = [table(number, kind) for number, kind in enumerate(["plain", "cloze", "sim", "plain", "drill"])]
    text = HEAD + "".join(tables)
    longer = tables[1].replace("\n", "\n\n# two more lines\n", 1)
    for edited in (
        text.replace('answer = "Answer 0."', 'answer = "Answer zero."'),
        HEAD + tables[0] + longer + "".join(tables[2:]),
        HEAD + "".join(tables[:2]) + "".join(tables[3:]),
        HEAD + tables[0] + table(9, "cloze") + "".join(tables[1:]),
    ):
        fast, full = read_both(tmp_path, text, edited)
        assert fast is not None and fast == full


def test_only_a_whole_read_tells_when_more_than_whole_tables_changed(tmp_path: Path) -> None:
    tables = [table(number, "plain") for number in range(3)]
    text = HEAD + "".join(tables)
    header_in_string = tables[1].replace('answer = "Answer 1."', "answer = '''\nAnswer 1.\n[[cards]]\n'''")
    for edited in (
        text.replace('title = "Mine"', 'title = "Ours"'),  # the [deck] table
        HEAD + tables[0] + header_in_string + tables[2],  # a [[cards]] line inside a string
        # a string from one table across the next one's [[cards]] line
        HEAD + tables[0] + tables[1].replace('answer = "Answer 1."', "answer = '''") + tables[2] + "'''\n",
        HEAD + tables[0] + tables[1] + "[deck2]\nx = 1\n" + tables[2],
    ):
        fast, _full = read_both(tmp_path, text, edited)
        assert fast is None
