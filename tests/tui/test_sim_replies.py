"""The simulation worker's replies reach a screen without holding up the replies after them: the worker
process is shared by every screen (and every app run), and its replies are read in order on one thread."""

from __future__ import annotations

import math
import threading

from studyapp.collection import Collection
from studyapp.search import parse
from studyapp.tui import sim_client
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen

from .conftest import wait_until

#: A bundled card linked to a simulation: its review screen asks the worker for the card's answers.
CARD = "loss-function"
#: A frame this big keeps the worker busy for about a second, so the card's answers come after it.
BUSY_FRAME = {
    "op": "frame",
    "sim": "gradient-descent",
    "params": {},
    "seed": 0,
    "width": 2000,
    "height": 1500,
    "cells": False,
    "dark": True,
    "monochrome": False,
    "ahead": [],
}


async def test_a_busy_screen_does_not_hold_up_the_replies_after_its_own(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        sim_client.worker().call(BUSY_FRAME, lambda reply: None)  # answered first
        app.push_screen(ReviewScreen(search=parse(f'"{CARD}"')))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None and screen.card.id == CARD
        # The card's answers are asked for a moment after it is painted, and come after the frame.
        await wait_until(pilot, lambda: bool(screen.pending_answers or screen.sim_answers))
        assert screen.pending_answers == {CARD}  # asked for, not yet come
        # The app's thread is busy until a later request is answered; the card's reply comes first.
        answered = threading.Event()
        sim_client.answers("pooling", {}, lambda rows, error: answered.set())
        assert answered.wait(60), "the reply for the busy screen held up the next one"
        await wait_until(pilot, lambda: CARD in screen.sim_answers)
        loss = math.log1p(math.exp(2.0))  # the card's run: -log σ(-2), in closed form
        assert f"cross-entropy loss: [b]{loss:.6g}[/b]" in screen.sim_answers[CARD]
