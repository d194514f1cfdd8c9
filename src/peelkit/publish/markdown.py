"""Inspector narrative (Markdown from the ledger) to safe HTML: CommonMark with raw HTML disabled, then an
allow-list sanitiser (nh3), so no script, raw HTML, event handler or javascript: URL survives."""

from __future__ import annotations

import re
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code", "pre", "br",
    "table", "caption", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@cache
def _parser() -> MarkdownIt:
    # Tables are GFM, not CommonMark; enabling the rule keeps raw HTML off.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


_HEADING = re.compile(r"<(/?)h([1-6])>")


def _demote(html: str) -> str:
    # Narrative sits under the report's own h2 section headings: its top heading level becomes h3 and the rest
    # follow (capped at h6), so the outline never skips a level.
    levels = [int(level) for _slash, level in _HEADING.findall(html)]
    if not levels:
        return html
    shift = 3 - min(levels)
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}>", html)


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for a Markdown text (empty Markup for None or blank)."""
    if not text or not text.strip():
        return Markup("")
    html = _demote(_parser().render(text)).replace("<th>", '<th scope="col">')
    clean = nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                      url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow",
                      strip_comments=True)
    return Markup(clean.strip())  # sanitised above


__all__ = ["ALLOWED_TAGS", "render_markdown"]
