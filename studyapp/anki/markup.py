"""A deck's text as Anki's HTML, and Anki's HTML as a deck's text.

Questions are plain text and answers and details Markdown in a deck; Anki's fields are HTML. On the
way out, Markdown is rendered with markdown-it (raw HTML in a deck is shown as text) and formulas go
to MathJax's delimiters. On the way in, markdownify turns HTML into Markdown (questions and answers
lose their bold and italics, which a deck shows as typed), MathJax goes back to dollars, and images
and sounds point into the deck's media folder.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from studyapp.anki.mathjax import from_mathjax, render_with_math

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdownify import MarkdownConverter

_SOUND = re.compile(r"\[sound:([^\]]+)\]")
#: The start of an image tag (HTML's tag names are case-insensitive).
_IMAGE_TAG = re.compile("<img", re.IGNORECASE)
_LONE_PARAGRAPH = re.compile(r"\A<p>((?:(?!<p>).)*)</p>\n?\Z", re.DOTALL)
#: Inline formatting that a question or an answer, shown as typed, leaves out.
_FORMATTING = ["b", "strong", "i", "em", "u", "span", "font", "mark", "s", "del", "ins", "small", "big"]
_MARKDOWNIFY: dict[str, Any] = {
    "heading_style": "ATX",
    "bullets": "-",
    "escape_underscores": False,  # x_1 stays x_1: underscores are common in formulas and names
    "escape_asterisks": False,
    "escape_misc": False,
}

#: A field of plain text on one line: no markup, entity, sound, formula, dollar or backslash, and single
#: spaces between words. Its Markdown is itself, without parsing it as HTML.
_PLAIN_FIELD = re.compile(r"[^\s<>&\\$\[]+(?: [^\s<>&\\$\[]+)*")

_renderer: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    global _renderer
    if _renderer is None:
        from markdown_it import MarkdownIt

        _renderer = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
    return _renderer


def markdown_html(text: str) -> str:
    """Markdown as HTML for an Anki field; a single paragraph loses its ``<p>``."""
    rendered = render_with_math(text, _markdown().render).strip()
    lone = _LONE_PARAGRAPH.match(rendered)
    return lone[1] if lone else rendered


_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]+)\)")


def plain_html(text: str) -> str:
    """Plain text (a question) as HTML for an Anki field: escaped, with its line breaks kept, and its
    Markdown images (``![alt](file)``, as imports write them) shown."""

    def escaped(plain: str) -> str:
        shown = html.escape(plain).replace("\n", "<br>")
        return _IMAGE.sub(r'<img src="\2" alt="\1" />', shown)

    return render_with_math(text, escaped)


@dataclass
class MediaLinks:
    """Where imported notes' images and sounds point (``folder/name``), and the names they used."""

    folder: str
    names: set[str] = field(default_factory=set)

    def link(self, name: str) -> str:
        """The link to a media file from the deck file, recording the file as used."""
        self.names.add(name)
        return f"{self.folder}/{quote(name)}"


def _is_url(src: str) -> bool:
    return bool(urlsplit(src).scheme) or src.startswith("//")


@cache
def _converter(plain: bool) -> MarkdownConverter:
    """markdownify's converter with our options (made once: it is the same for every field)."""
    from markdownify import MarkdownConverter

    return MarkdownConverter(**({**_MARKDOWNIFY, "strip": _FORMATTING} if plain else _MARKDOWNIFY))


def html_markdown(
    field_html: str,
    media: MediaLinks,
    *,
    plain: bool = False,
    unreadable: Callable[[str], None] | None = None,
) -> str:
    """An Anki field as Markdown; ``plain`` (a question or an answer) leaves out inline formatting.

    ``[sound:x.mp3]`` becomes a link to the file, since a deck cannot play it. Formulas are converted
    by ``from_mathjax`` (``unreadable`` is told of those kept as text).
    """
    if _PLAIN_FIELD.fullmatch(field_html):
        return field_html
    from bs4 import BeautifulSoup

    text = _SOUND.sub(
        lambda m: f'<a href="{html.escape(media.link(html.unescape(m[1])))}">sound: {m[1]}</a>', field_html
    )
    soup = BeautifulSoup(text, "html.parser")
    for image in soup.find_all("img") if _IMAGE_TAG.search(text) else ():
        src = image.get("src")
        if isinstance(src, str) and src and not _is_url(src):
            image["src"] = media.link(src)
    markdown = _converter(plain).convert_soup(soup)
    soup.decompose()  # its tree links both ways: freed now, without waiting for the cycle collector
    markdown = from_mathjax(markdown.replace("\xa0", " "), unreadable)
    if plain:
        markdown = re.sub(r" {2,}\n", "\n", markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()
