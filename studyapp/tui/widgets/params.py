"""A keyboard-driven list of simulation parameters: move, step with +/-, cycle choices."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from sim.params import ChoiceParam, Param
from sim.spec import Spec

#: A row is ``MARKER name GAP value HINT``; the hint follows the selected choice parameter.
MARKER, GAP, HINT = "▶ ", "  ", " ◀▶"


def format_value(param: Param, value: Any) -> str:
    """A parameter value as shown in the list."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class ParamList(Widget, can_focus=True):
    """Shows ``name  value`` rows with the current one highlighted; the screen drives the keys."""

    DEFAULT_CSS = """
    ParamList { height: auto; padding: 0 1; }
    """

    index: reactive[int] = reactive(0, layout=True)  # the help line below may wrap differently

    def __init__(self, spec: Spec, values: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.values = values
        self._painted_rows_fit = False

    @property
    def current(self) -> Param:
        return self.spec.params[self.index]

    def move(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.spec.params)

    def set_value(self, name: str, value: Any) -> None:
        """Set a value and show it; the screen is laid out again only if a row may wrap.

        (A long value, such as a kernel typed as text, wraps onto more lines.)
        """
        self.values[name] = value
        self.refresh(layout=not (self._rows_fit() and self._painted_rows_fit))

    def _rows_fit(self) -> bool:
        """Whether every parameter's row fits on one line at the current width."""
        longest = max((len(format_value(p, self.values[p.name])) for p in self.spec.params), default=0)
        return len(MARKER) + self._name_width() + len(GAP) + longest + len(HINT) <= self.content_size.width

    def _name_width(self) -> int:
        return max((len(p.name) for p in self.spec.params), default=0)

    def step(self, direction: int) -> Any:
        """Step the current parameter up or down (choices and switches cycle); returns the new value."""
        param = self.current
        value = param.step(self.values[param.name], direction)
        self.set_value(param.name, value)
        return value

    def render(self) -> Text:
        self._painted_rows_fit = self._rows_fit()
        text = Text()
        width = self._name_width()
        for number, param in enumerate(self.spec.params):
            selected = number == self.index
            marker = MARKER if selected else " " * len(MARKER)
            style = "bold reverse" if selected and self.has_focus else ("bold" if selected else "")
            value = format_value(param, self.values[param.name])
            hint = HINT if isinstance(param, ChoiceParam) and selected else ""
            text.append(f"{marker}{param.name.ljust(width)}{GAP}", style=style)
            text.append(value, style=f"{style} cyan".strip())
            text.append(hint + "\n", style="dim")
        if self.spec.params:
            text.append(f"\n{self.current.help}\n", style="italic dim")
            text.append(self.current.describe(), style="dim")
        return text
