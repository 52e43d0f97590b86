"""Anki fields of simple markup, converted by their shape, against the HTML parser and markdownify.

The oracle is ``parsed_markdown``: every field through BeautifulSoup and markdownify. Random fields of
the tags Anki's editor writes (nested, unclosed, with attributes), character references and text with
every kind of whitespace, Markdown and MathJax characters give the same Markdown by their shape; the
fields the shapes leave to the parser (images, sounds, links, comments, stray markup) are left to it.
"""

from __future__ import annotations

import random

from studyapp.anki.markup import MediaLinks, html_markdown, parsed_markdown, simple_markdown

TAGS = ["b", "strong", "i", "em", "u", "s", "del", "sub", "sup", "span", "font", "div", "p", "ul", "ol", "li"]
TAGS += ["DIV", "Span", "strike", "mark", "small", "big", "ins"]
WORDS = ["a", "Card", "1:", "what", "is", "x_1", "*", "**", "#", "-", "1.", ">", '"q"', "'", "`", "|", "~"]
WORDS += [
    "$x^2$",
    "\\(x^2\\)",
    "\\[y\\]",
    "$",
    "\\",
    "é",
    "σ′",
    "😀",
    "[",
    "]",
    "(",
    ")",
    "__",
    "+",
    "=",
    ":",
]
SPACES = [" ", " ", " ", "  ", "\n", "\t", "\xa0", " \n ", "\r\n", "\u2003", "\n\n\n"]
REFERENCES = [
    "&nbsp;",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&#10;",
    "&#32;",
    "&#xA0;",
    "&#13;",
    "&#9;",
    "&foo;",
]
ATTRIBUTES = ["", ' class="x"', " style='color: red'", ' start="3"', " color=red", " a", ' data-x = "1"']
#: What leaves a field to the parser: not among the simple tags, or not markup at all.
NOT_SIMPLE = [
    "<",
    "&",
    "< b",
    '<img src="a.png">',
    '<a href="x">x</a>',
    "<!-- c -->",
    "[sound:a.mp3]",
    "\ue000",
]


def text(rng: random.Random, awkward: bool) -> str:
    parts = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.6:
            parts.append(rng.choice(WORDS))
        elif roll < 0.85:
            parts.append(rng.choice(SPACES))
        else:
            parts.append(rng.choice(REFERENCES + NOT_SIMPLE if awkward else REFERENCES))
    return "".join(parts)


def field(rng: random.Random, awkward: bool, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.45 or depth > 3:
            parts.append(text(rng, awkward))
        elif roll < 0.55:
            parts.append(rng.choice(["<br>", "<hr>", "<br/>", "<br />", "<BR>"]))
        else:
            tag = rng.choice(TAGS)
            closed = f"</{tag}>" if rng.random() < 0.9 else ""
            parts.append(f"<{tag}{rng.choice(ATTRIBUTES)}>{field(rng, awkward, depth + 1)}{closed}")
    return "".join(parts)


def test_fields_of_simple_markup_give_what_the_html_parser_gives() -> None:
    rng = random.Random(29)
    shaped = checked = 0
    for index in range(3000):
        html = field(rng, awkward=index % 3 == 0)
        for plain in (True, False):
            shown = html_markdown(html, MediaLinks("media"), plain=plain)
            assert shown == parsed_markdown(html, MediaLinks("media"), plain=plain)
            shaped += simple_markdown(html, plain) is not None
            checked += 1
    assert checked == 6000
    assert 3000 < shaped < 6000  # most fields by their shape, the awkward ones (some) through the parser


def test_what_anki_writes_is_converted_by_its_shape_and_the_rest_by_the_parser() -> None:
    simple = [
        "<div>Card 1: what is <b>padding kernel descent loss</b>?</div>",
        "Answer&nbsp;1:<br>ssol tnecsed",
        '<span style="color: rgb(0, 0, 0);">the gradient</span> of <i>f</i>',
        "<ul><li>one</li><li>two <b>2</b></li></ul><div><br></div>",
        '<ol start="3"><li>three</li><li>four</li></ol>',
        "\\(x^2\\) is <u>quadratic</u>, $5",
    ]
    for html in simple:
        for plain in (True, False):
            assert simple_markdown(html, plain) is not None
            shown = html_markdown(html, MediaLinks("media"), plain=plain)
            assert shown == parsed_markdown(html, MediaLinks("media"), plain=plain)
    media = MediaLinks("deck-media")
    assert html_markdown('<div>see <img src="a b.png"></div>', media) == "see ![](deck-media/a%20b.png)"
    assert html_markdown("[sound:hello.mp3]", media) == "[sound: hello.mp3](deck-media/hello.mp3)"
    assert media.names == {"a b.png", "hello.mp3"}
    for html in NOT_SIMPLE[1:]:
        assert simple_markdown(f"<b>a {html}</b>", plain=True) is None
