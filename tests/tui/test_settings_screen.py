"""Settings: validated and saved in the collection as they change, and only what changed."""

from __future__ import annotations

from textual.widgets import Input, Select, Switch

from studyapp.collection import Collection
from studyapp.tui.app import StudyApp

from .conftest import text_of


async def test_settings_are_saved_and_validated(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("o")
        screen = app.screen
        new_per_day = screen.query_one("#new_per_day", Input)
        new_per_day.focus()
        new_per_day.value = "25"
        await pilot.press("enter")
        assert collection.store.settings().new_per_day == 25
        retention = screen.query_one("#desired_retention", Input)
        retention.focus()
        retention.value = "1.5"
        await pilot.press("enter")
        assert "0.7 to 0.99" in text_of(screen.query_one("#settings-status"))
        assert collection.store.settings().desired_retention == 0.9
        screen.query_one("#day_start_hour", Input).value = "six"
        screen.query_one("#day_start_hour", Input).focus()
        await pilot.press("enter")
        assert "must be a number" in text_of(screen.query_one("#settings-status"))
        screen.query_one("#plot_renderer", Select).value = "halfblock"
        await pilot.pause()
        assert collection.store.settings().plot_renderer == "halfblock"
        screen.query_one("#theme", Select).value = "nord"
        await pilot.pause()
        assert collection.store.settings().theme == "nord" and app.theme == "nord"
        assert app.current_theme.name == "nord"  # the cached lookup follows the change
        screen.query_one("#quiz_updates_schedule", Switch).value = True
        await pilot.pause()
        assert collection.store.settings().quiz_updates_schedule is True


async def test_opening_tabbing_through_and_closing_settings_saves_nothing(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("o")
        screen = app.screen
        assert app.focused is screen.query_one("#desired_retention", Input)  # the first field
        await pilot.pause()
        assert collection.store.stored_settings() == {}
        assert text_of(screen.query_one("#settings-status")) == ""  # no "Saved theme = …"
        visited = []
        for _ in range(8):
            await pilot.press("tab")
            visited.append(app.focused.id if app.focused is not None else None)
        assert {"new_per_day", "day_start_hour", "plot_renderer", "theme", "quiz_updates_schedule"} <= set(
            visited
        )
        await pilot.press("shift+tab", "escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert collection.store.stored_settings() == {}


async def test_only_the_changed_field_is_saved(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("o")
        screen = app.screen
        await pilot.press("tab")  # to "new cards per day"
        field = screen.query_one("#new_per_day", Input)
        assert app.focused is field
        field.value = "15"
        await pilot.press("tab", "tab")  # leaving it saves it; passing the next one saves nothing
        assert collection.store.stored_settings() == {"new_per_day": 15}
        assert "Saved new_per_day = 15" in text_of(screen.query_one("#settings-status"))
        retention = screen.query_one("#desired_retention", Input)
        retention.value = "0.90"  # the same number written differently
        retention.focus()
        await pilot.press("enter", "tab")
        assert collection.store.stored_settings() == {"new_per_day": 15}
        screen.query_one("#theme", Select).value = "nord"
        await pilot.pause()
        assert collection.store.stored_settings() == {"new_per_day": 15, "theme": "nord"}
        await pilot.press("escape", "o")  # opened again: shows the saved values, saves nothing more
        await pilot.pause()
        assert app.screen.query_one("#new_per_day", Input).value == "15"
        assert app.screen.query_one("#theme", Select).value == "nord"
        assert collection.store.stored_settings() == {"new_per_day": 15, "theme": "nord"}
