"""Rendering one force's report as one self-contained HTML document (CSS inline) from the Jinja2 templates,
loaded once per process. The PDF is typeset from the same report context by Typst (peelkit.publish.pdf)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from peelkit.publish.context import force_context
from peelkit.publish.model import Chart, PublicationData


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("peelkit.publish", "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@cache
def _css(name: str) -> str:
    loader = environment().loader
    assert loader is not None
    source, _filename, _uptodate = loader.get_source(environment(), name)
    return source


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def stylesheet(header: str) -> Markup:
    """The report's CSS: screen styles, then the styles for printing from a browser (under @media print)."""
    printed = _css("print.css").replace("{{ header }}", _css_string(header))
    # @page rules are not allowed inside @media: keep them outside, they only apply in print anyway.
    css = _css("report.css") + "\n@media print {\n" + _without_page_rules(printed) + "\n}\n" + _page_rules(printed)
    return Markup(css.replace("</", "<\\/"))  # our own CSS; "</" escaped so it cannot close <style>


def _page_rules(css: str) -> str:
    return "\n".join(block for block in _blocks(css) if block.lstrip().startswith("@page"))


def _without_page_rules(css: str) -> str:
    return "\n".join(block for block in _blocks(css) if not block.lstrip().startswith("@page"))


def _blocks(css: str) -> list[str]:
    """Top-level rules of a stylesheet (comments dropped), splitting on balanced braces."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks, depth, start = [], 0, 0
    for index, char in enumerate(css):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append(css[start:index + 1].strip())
                start = index + 1
    return [b for b in blocks if b]


def render_force_html(data: PublicationData, force_code: str,
                      charts: Iterable[Chart] | Mapping[str, Chart] = (), *,
                      context: Mapping[str, Any] | None = None) -> str:
    """The report of one force as one self-contained HTML document (`context`: force_context's, if already
    built for the PDF)."""
    built = force_context(data, force_code, charts) if context is None else context
    header = f"{built['force_title']} · {built['title']}"
    return environment().get_template("report.html").render({**built, "for_pdf": False, "css": stylesheet(header)})


__all__ = ["render_force_html"]
