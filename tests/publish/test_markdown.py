"""Narrative Markdown is rendered and sanitised: nothing executable or raw survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from peelkit.publish.markdown import ALLOWED_TAGS, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "Text <script src='https://evil.example/x.js'></script> more",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](  javascript:alert(1) )",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<!-- comment --><b onclick=alert(1)>bold</b>",
    "![alt](javascript:alert(1))",
    "<form action=x><input name=y></form>",
    "<object data=x></object><embed src=x>",
    "[x]: javascript:alert(1)\n\n[ref][x]",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<details open ontoggle=alert(1)>",
]

class _Elements(HTMLParser):
    """The real elements and attributes of the output (escaped text such as &lt;script&gt; is only text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_neutralised(text: str) -> None:
    html = str(render_markdown(text))
    assert "<script" not in html.lower() and "<img" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name == "href":
                assert value is not None and re.match(r"(https?|mailto):", value), html


def test_markdown_is_rendered() -> None:
    html = str(render_markdown("# Title\n\n## Sub\n\nSome **strong** and *em* text.\n\n- one\n- two\n\n"
                               "> quoted\n\n1. first\n\n[link](https://www.justiceinspectorates.gov.uk/hmicfrs/)"))
    assert "<h3>Title</h3>" in html and "<h4>Sub</h4>" in html  # demoted below the report headings
    assert "<h3>Only</h3>" in str(render_markdown("#### Only"))
    assert "<strong>strong</strong>" in html and "<em>em</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html and "<ol>" in html and "<blockquote>" in html
    assert 'href="https://www.justiceinspectorates.gov.uk/hmicfrs/"' in html and 'rel="noopener' in html


def test_tables_get_header_scope() -> None:
    html = str(render_markdown("| Year | Grade |\n|---|---|\n| 2016 | Good |"))
    assert '<th scope="col">Year</th>' in html and "<td>Good</td>" in html


def test_blank_and_none() -> None:
    assert render_markdown(None) == Markup("")
    assert render_markdown("   \n") == Markup("")
    assert isinstance(render_markdown("x"), Markup)


def test_raw_html_is_shown_as_text_not_markup() -> None:
    html = str(render_markdown("Use <b>bold</b> & <i>x</i>"))
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
