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
from functools import cache, lru_cache
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
    by ``from_mathjax`` (``unreadable`` is told of those kept as text). A field of plain text is its own
    Markdown; a field of simple markup (``simple_markdown``) is converted by the shape of its markup;
    any other goes through the HTML parser (``parsed_markdown``), with the same result.
    """
    if _PLAIN_FIELD.fullmatch(field_html):
        return field_html
    markdown = simple_markdown(field_html, plain)
    if markdown is None:
        markdown = _parsed(field_html, media, plain)
    return _finished(markdown, plain, unreadable)


def parsed_markdown(
    field_html: str,
    media: MediaLinks,
    *,
    plain: bool = False,
    unreadable: Callable[[str], None] | None = None,
) -> str:
    """``html_markdown`` through the HTML parser and markdownify, whatever the field holds."""
    return _finished(_parsed(field_html, media, plain), plain, unreadable)


def _parsed(field_html: str, media: MediaLinks, plain: bool) -> str:
    """markdownify's Markdown of a field, its sounds linked and its images pointing into the media folder."""
    from bs4 import BeautifulSoup

    text = _SOUND.sub(
        lambda m: f'<a href="{html.escape(media.link(html.unescape(m[1])))}">sound: {m[1]}</a>', field_html
    )
    soup = BeautifulSoup(text, "html.parser")
    for image in soup.find_all("img") if _IMAGE_TAG.search(text) else ():
        src = image.get("src")
        if isinstance(src, str) and src and not _is_url(src):
            image["src"] = media.link(src)
    markdown: str = _converter(plain).convert_soup(soup)
    soup.decompose()  # its tree links both ways: freed now, without waiting for the cycle collector
    return markdown


def _finished(markdown: str, plain: bool, unreadable: Callable[[str], None] | None) -> str:
    """markdownify's Markdown with formulas in dollars and blank lines and line ends tidied."""
    markdown = from_mathjax(markdown.replace("\xa0", " "), unreadable)
    if plain:
        markdown = re.sub(r" {2,}\n", "\n", markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


# -- fields of simple markup, converted by their shape ---------------------------------------------------

#: The tags a field of simple markup may have: those markdownify converts without looking at the text
#: inside them (nor at an attribute that depends on it).
SIMPLE_TAGS = "b|strong|i|em|u|s|del|ins|strike|sub|sup|small|big|mark|span|font|div|p|br|hr|ul|ol|li"
_SPACE = r"[ \t\n\r\f]"
_VALUE = r"""(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`]+)"""
_ATTRIBUTE = rf"{_SPACE}+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:{_SPACE}*={_SPACE}*{_VALUE})?"
#: A tag of ``SIMPLE_TAGS`` (attributes quoted without ``<`` or ``>``), or a character reference.
_MARKUP = (
    rf"<(?i:{SIMPLE_TAGS})(?={_SPACE}|/|>)(?:{_ATTRIBUTE})*{_SPACE}*/?>"
    rf"|</(?i:{SIMPLE_TAGS}){_SPACE}*>"
    r"|&(?:[a-zA-Z][a-zA-Z0-9]{0,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});"
)
_MARKUP_RE = re.compile(_MARKUP)
#: Markup, or a run of text: words separated by single spaces, with no space at either end.
_PARTS = re.compile(rf"({_MARKUP})|([^\s<&]+(?: [^\s<&]+)*)")
#: Characters that stand for the runs of text in a field's shape (Unicode's private use area).
_FIRST_STAND_IN, _LAST_STAND_IN = 0xE000, 0xF8FF
_STAND_INS = re.compile(f"[{chr(_FIRST_STAND_IN)}-{chr(_LAST_STAND_IN)}]")
_SOUND_MARK = "[sound:"


def simple_markdown(field_html: str, plain: bool) -> str | None:
    """markdownify's Markdown of a field of simple markup (only ``SIMPLE_TAGS`` and character references,
    no sound), from its shape: the field with each run of text replaced by a stand-in character is
    converted once (then found in a cache), and the runs put back in place of their stand-ins. The
    whitespace around the runs stays in the shape, and markdownify treats a run of words as it treats
    its stand-in, so this is what the parser gives (``parsed_markdown``). ``None`` for another field."""
    if _SOUND_MARK in field_html or _STAND_INS.search(field_html):
        return None
    stray = _MARKUP_RE.sub("", field_html)
    if "<" in stray or "&" in stray:
        return None
    runs: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        markup, run = match.groups()
        if markup is not None:
            return markup
        runs.append(run)
        return chr(_FIRST_STAND_IN + len(runs) - 1)

    shape = _PARTS.sub(stand_in, field_html)
    if _FIRST_STAND_IN + len(runs) > _LAST_STAND_IN + 1:
        return None
    converted = _shape_markdown(shape, len(runs), plain)
    if converted is None:
        return None
    return converted.translate({_FIRST_STAND_IN + index: run for index, run in enumerate(runs)})


@lru_cache(maxsize=4096)
def _shape_markdown(shape: str, runs: int, plain: bool) -> str | None:
    """markdownify's Markdown of a field's shape, if it keeps each of its ``runs`` stand-ins once."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(shape, "html.parser")
    markdown: str = _converter(plain).convert_soup(soup)
    soup.decompose()
    kept = _STAND_INS.findall(markdown)
    if len(kept) != runs or len(set(kept)) != runs:
        return None
    return markdown
