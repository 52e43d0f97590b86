"""Adding and editing cards in the app: the add form, and editing a card in ``$EDITOR``.

The form writes to the learner's own decks through ``studyapp.authoring`` (tomlkit, checked with the
real loader); its preset is checked against the chosen simulation's spec as it is typed. Editing hands
the terminal to the editor with ``App.suspend()`` and checks the deck again when the editor exits.
After either, the collection takes the reloaded decks (reconciled by card id) and every screen on the
stack gets ``LibraryChanged``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from studyapp import authoring
from studyapp.errors import CollectionError
from studyapp.paths import user_deck_dir
from studyapp.problems import PROBLEMS
from studyapp.tui.field_keys import settled
from studyapp.tui.screens.base import FIELD_FOCUS_KEYS, AppScreen
from studyapp.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from studyapp.content import Library, SimCatalog
    from studyapp.tui.app import StudyApp

#: The deck a first card goes to when the learner has no deck of their own yet.
DEFAULT_DECK = "my-cards"
#: Fields that show their own error line, in the order of the form.
FIELDS = ("deck", "question", "answer", "details", "tags", "sim", "preset")


class LibraryChanged(Message):
    """The collection has new decks (a card was added or edited): screens that show cards reload them."""


def simulation_catalog() -> SimCatalog:
    """The simulations a card may link to (their specs are cheap: no numpy)."""
    from sim.registry import CATALOG

    return CATALOG


def announce(app: StudyApp) -> None:
    """Tell every screen on the stack that the collection's decks changed."""
    for screen in app.screen_stack:
        screen.post_message(LibraryChanged())


def take_library(app: StudyApp, library: Library) -> bool:
    """Give the collection the reloaded decks; a collection that cannot be written is reported."""
    try:
        authoring.adopt(app.collection, library)
    except CollectionError as error:
        app.notify(
            f"The deck file is saved, but the collection could not take it yet: {error.message}. "
            "The card appears the next time studyapp starts.",
            markup=False,
            severity="warning",
            timeout=10,
        )
        return False
    announce(app)
    return True


class PresetValidator(Validator):
    """Checks a preset line (``name=value, ...``) against the form's chosen simulation, as it is typed."""

    def __init__(self, form: AddCardScreen) -> None:
        super().__init__()
        self.form = form

    def validate(self, value: str) -> ValidationResult:
        try:
            authoring.parse_preset(value, self.form.chosen_sim(), self.form.sims)
        except ValueError as error:
            return self.failure(str(error))
        return self.success()


class AddCardScreen(AppScreen):
    """A form for a new card in one of the learner's decks; it stays open for the next card."""

    HELP_TITLE = "Add a card"
    HELP_KEYS = [("tab, shift+tab", "Next / previous field")]
    BINDINGS = [
        # Acted on as soon as read, once the keys typed before it have reached their field (``action_save``):
        # the keys typed after it wait for the emptied form.
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "back", "Back"),
        Binding("f1", "help", "Help"),
        *FIELD_FOCUS_KEYS,
    ]
    DEFAULT_CSS = """
    AddCardScreen #add-form { padding: 0 2; }
    AddCardScreen #details { height: 6; }
    AddCardScreen .field-hint { color: $text-muted; }
    AddCardScreen .field-error { color: $error; text-style: bold; }
    AddCardScreen #add-buttons { height: auto; margin-top: 1; }
    AddCardScreen #add-status { height: auto; padding: 0 1; }
    """

    def __init__(
        self, deck: str | None = None, *, user_dir: Path | None = None, sims: SimCatalog | None = None
    ) -> None:
        super().__init__()
        self.deck = deck
        self.user_dir = user_dir
        self.sims = sims if sims is not None else simulation_catalog()
        self.discard_armed = False

    # --- layout -------------------------------------------------------------------------------------

    def own_decks(self) -> list[str]:
        """The ids of the decks a card may be added to."""
        return [deck.id for deck in authoring.user_decks(self.collection.library)]

    def compose(self) -> ComposeResult:
        decks = self.own_decks()
        deck = self.deck or (decks[0] if decks else DEFAULT_DECK)
        yield Static("[b]Add a card[/b]  [dim]ctrl+s saves · Escape goes back[/dim]", classes="screen-title")
        with VerticalScroll(id="add-form"):
            yield Label("Deck [dim](one of yours, or a new id: lowercase letters, digits, dashes)[/dim]")
            yield Input(deck, id="deck", suggester=SuggestFromList(decks, case_sensitive=True))
            yield Static(id="deck-hint", classes="field-hint")
            yield Static(id="deck-error", classes="field-error")
            yield Label("Question")
            yield Input(id="question", placeholder="What does max pooling keep from each window?")
            yield Static(id="question-error", classes="field-error")
            yield Label("Answer [dim](short)[/dim]")
            yield Input(id="answer", placeholder="The largest value in the window.")
            yield Static(id="answer-error", classes="field-error")
            yield Label("Details [dim](optional, Markdown)[/dim]")
            yield TextArea(id="details")
            yield Static(id="details-error", classes="field-error")
            yield Label("Tags [dim](optional, separated by spaces or commas)[/dim]")
            yield Input(id="tags", placeholder="cnn pooling")
            yield Static(id="tags-error", classes="field-error")
            yield Label("Simulation [dim](optional)[/dim]")
            options = [(f"{name} · {spec_title(self.sims, name)}", name) for name in self.sims]
            yield Select(options, prompt="none", allow_blank=True, id="sim")
            yield Static(id="sim-error", classes="field-error")
            yield Label("Preset [dim](optional: name=value, separated by commas or spaces)[/dim]")
            yield Input(id="preset", validators=[PresetValidator(self)], placeholder="kind=max window=2")
            yield Static(id="preset-hint", classes="field-hint")
            yield Static(id="preset-error", classes="field-error")
            with Horizontal(id="add-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
        yield Static(id="add-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_deck_hint()
        self.show_preset_hint()
        for name in FIELDS:
            self.show_error(name, None)
        self.set_focus(self.query_one("#question", Input))

    # --- fields -------------------------------------------------------------------------------------

    def chosen_sim(self) -> str | None:
        """The simulation chosen in the form, or ``None``."""
        value = self.query_one("#sim", Select).value
        return value if isinstance(value, str) else None

    def show_error(self, name: str, message: str | None) -> None:
        """Show ``message`` under field ``name`` (``None`` clears it)."""
        line = self.query_one(f"#{name}-error", Static)
        line.update(escape(message or ""))
        line.display = bool(message)

    def show_deck_hint(self) -> None:
        deck = self.query_one("#deck", Input).value.strip()
        hint = self.query_one("#deck-hint", Static)
        try:
            path = authoring.deck_file(deck, self.collection.library, self.user_dir)
        except authoring.AuthoringError as error:
            hint.update("")
            self.show_error("deck", error.fields.get("deck", error.summary))
            return
        self.show_error("deck", None)
        verb = "adds to" if path.exists() else "creates"
        hint.update(escape(f"{verb} {path}"))

    def show_preset_hint(self) -> None:
        sim = self.chosen_sim()
        spec = self.sims.get(sim) if sim else None
        hint = self.query_one("#preset-hint", Static)
        if spec is None:
            hint.update("choose a simulation to give it a preset")
            return
        hint.update(escape(" · ".join(f"{p.name}: {p.describe()}" for p in spec.params)))

    def check_preset(self) -> bool:
        """Check the preset field against the chosen simulation; show the spec's message at the field."""
        field = self.query_one("#preset", Input)
        result = field.validate(field.value)
        message = None if result is None or result.is_valid else "; ".join(result.failure_descriptions)
        self.show_error("preset", message)
        return message is None

    def on_input_changed(self, event: Input.Changed) -> None:
        self.discard_armed = False
        if event.input.id == "deck":
            self.show_deck_hint()
        elif event.input.id == "preset":
            self.check_preset()
        elif event.input.id in FIELDS:
            self.show_error(event.input.id, None)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_preset_hint()
        self.check_preset()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            await self.action_save()

    # --- saving -------------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        """The text of every field."""
        texts = {name: self.query_one(f"#{name}", Input).value for name in ("deck", "question", "answer")}
        texts["tags"] = self.query_one("#tags", Input).value
        texts["preset"] = self.query_one("#preset", Input).value
        texts["details"] = self.query_one("#details", TextArea).text
        return texts

    def draft(self) -> tuple[authoring.CardDraft | None, dict[str, str]]:
        """The card the form describes, or the errors of its fields."""
        texts, errors = self.values(), {}
        tags: tuple[str, ...] = ()
        preset: dict[str, Any] = {}
        try:
            tags = authoring.parse_tags(texts["tags"])
        except ValueError as error:
            errors["tags"] = str(error)
        sim = self.chosen_sim()
        try:
            preset = authoring.parse_preset(texts["preset"], sim, self.sims)
        except ValueError as error:
            errors["preset"] = str(error)
        try:
            authoring.deck_file(texts["deck"].strip(), self.collection.library, self.user_dir)
        except authoring.AuthoringError as error:
            errors.update(error.fields or {"deck": error.summary})
        draft = authoring.CardDraft(texts["question"], texts["answer"], texts["details"], tags, sim, preset)
        errors = {**authoring.check_draft(draft, self.sims), **errors}
        return (None if errors else draft), errors

    async def action_save(self) -> None:
        """Check the form; a card that can be written is saved once "Saving…" is on screen (a deck of
        tens of thousands of cards is read and checked again, which takes seconds).

        From ctrl+s, the keys typed before it reach their field first, and those typed after it are
        read once the card is saved and the form emptied: the next card can be typed at once."""
        if self.saving:
            return
        if self.focused is not None:
            await settled(self.focused)
        for name in FIELDS:
            self.show_error(name, None)
        draft, errors = self.draft()
        if draft is None:
            self.show_errors(errors)
            return
        self.saving = True
        self.show_status("Saving the card…")
        if await self.wait_for_refresh():  # from the key: the app reads no key until the card is saved
            self.save(draft)
        else:  # from the Save button, in this screen's own task: saved after the paint
            self.call_after_refresh(self.save, draft)

    saving = False

    def save(self, draft: authoring.CardDraft) -> None:
        """Write the card to its deck file, reload the decks into the collection, and clear the form."""
        try:
            saved = authoring.add_card(
                self.query_one("#deck", Input).value.strip(),
                draft,
                library=self.collection.library,
                sims=self.sims,
                user_dir=self.user_dir,
                reserved=self.retired(),
                problems=PROBLEMS,
            )
        except authoring.AuthoringError as error:
            if error.fields:
                self.show_errors(dict(error.fields))
            else:
                self.show_status(error.message, error=True)
        else:
            self.added(saved)
        finally:
            self.saving = False

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Mark the fields that are wrong, focus the first, and say that nothing was saved."""
        for name, message in errors.items():
            self.show_error(name, message)
        first = next(name for name in FIELDS if name in errors)
        self.set_focus(self.query_one(f"#{first}"))
        self.show_status("The card is not saved: fix the marked fields.", error=True)

    def added(self, saved: authoring.Saved) -> None:
        """The card is written: the collection takes the new decks, and the form is ready for the next."""
        take_library(self.study, saved.library)
        self.clear()
        self.show_deck_hint()
        self.show_status(f"Added '{saved.card_id}' to {saved.path}:{saved.line}. Add another, or Escape.")
        self.notify(f"Added card {saved.card_id}", markup=False)

    def retired(self) -> set[str]:
        """The ids of retired cards, which keep their history: a new card must not take one."""
        try:
            return authoring.retired_ids(self.collection)
        except CollectionError:
            return set()

    def show_status(self, text: str, error: bool = False) -> None:
        body = escape(text)
        self.query_one("#add-status", Static).update(f"[b $error]{body}[/]" if error else body)

    def clear(self) -> None:
        """Empty the card's own fields for the next card; the deck, tags and simulation stay (as in Anki)."""
        for name in ("question", "answer", "preset"):
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#details", TextArea).text = ""
        self.set_focus(self.query_one("#question", Input))

    # --- leaving ------------------------------------------------------------------------------------

    def typed(self) -> bool:
        """Whether the card's own fields hold text that is not saved."""
        texts = self.values()
        return any(texts[name].strip() for name in ("question", "answer", "details"))

    def unsaved(self) -> str | None:
        if self.typed():
            return "The new card is not saved: ctrl+s saves it, Escape twice discards it."
        return None

    def action_back(self) -> None:
        if self.typed() and not self.discard_armed:
            self.discard_armed = True
            self.show_status("The card is not saved: Escape again discards it, ctrl+s saves it.", error=True)
            return
        self.dismiss()


def spec_title(sims: SimCatalog, name: str) -> str:
    """A simulation's title when its spec has one."""
    return str(getattr(sims[name], "title", name))


# --- editing ----------------------------------------------------------------------------------------


class ConfirmCopy(ModalScreen[bool]):
    """Asks whether to edit an override copy of a bundled (read-only) card."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, card_id: str, path: Path) -> None:
        super().__init__()
        self.card_id = card_id
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            title = f"[b]Card {escape(self.card_id)} is bundled and read-only[/b]"
            yield Static(title, classes="modal-title")
            yield Static(
                escape(
                    f"Make your own copy in {self.path} and edit that? It has the same id, so it keeps "
                    "its history, and it is used instead of the bundled card."
                ),
                id="confirm-text",
            )
            with Horizontal(id="confirm-buttons"):
                yield Button("Copy and edit (y)", id="yes", variant="primary")
                yield Button("Cancel (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class CardEditor:
    """Edits one card in ``$EDITOR`` from the app: a copy for a bundled card (if the learner agrees),
    the terminal handed to the editor, then the deck checked and the collection given the new decks."""

    def __init__(
        self,
        app: StudyApp,
        *,
        user_dir: Path | None = None,
        sims: SimCatalog | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.user_dir = user_dir
        self.sims = sims if sims is not None else simulation_catalog()
        self.environ = environ
        self.last: authoring.Checked | None = None
        self.said: str | None = None

    def tell(self, message: str, **options: Any) -> None:
        """Notify the learner, and keep the message (the last thing said about this edit)."""
        self.said = message
        self.app.notify(message, markup=False, **options)

    def start(self, card_id: str) -> None:
        """Edit ``card_id``; a bundled card asks first."""
        library = self.app.collection.library
        try:
            location = authoring.find_card(library, card_id, self.user_dir)
        except authoring.AuthoringError as error:
            self.tell(error.message, severity="error", timeout=8)
            return
        if location.bundled and location.deck is not None:
            folder = self.user_dir if self.user_dir is not None else user_deck_dir()
            path = folder / f"{authoring.edits_deck(location.deck)[0]}.toml"

            def answered(yes: bool | None) -> None:
                if yes:
                    self.edit(card_id, copy_bundled=True)

            self.app.push_screen(ConfirmCopy(card_id, path), answered)
            return
        self.edit(card_id)

    def run_suspended(self, command: Sequence[str]) -> int:
        """Run the editor with the terminal handed over (``App.suspend``)."""
        with self.app.suspend():
            return authoring.run_editor(command)

    def edit(self, card_id: str, copy_bundled: bool = False) -> authoring.Checked | None:
        """Open the editor, then check the deck and reload it into the collection."""
        from textual.app import SuspendNotSupported

        library = self.app.collection.library
        try:
            checked = authoring.edit_card(
                library,
                card_id,
                sims=self.sims,
                user_dir=self.user_dir,
                copy_bundled=copy_bundled,
                problems=PROBLEMS,
                environ=self.environ,
                run=self.run_suspended,
            )
        except SuspendNotSupported:
            self.tell(
                f"This terminal cannot hand over to an editor; run `studyapp edit {card_id}` instead.",
                severity="error",
                timeout=10,
            )
            return None
        except authoring.AuthoringError as error:
            self.tell(error.message, severity="error", timeout=12)
            return None
        self.last = checked
        take_library(self.app, checked.library)
        if checked.ok:
            self.tell(checked.message(), timeout=6)
        else:
            self.tell(checked.message(), title="The deck has a problem", severity="error", timeout=15)
        return checked
