"""Rendering one force's report: HTML (self-contained, CSS inline) and PDF (WeasyPrint) from the same
Jinja2 templates. Templates and styles are loaded once per process."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from peelkit.publish.context import force_context
from peelkit.publish.model import Chart, PublicationData

PDF_VARIANT = "pdf/ua-1"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("peelkit.publish", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["print_svg_uri"] = print_svg_uri
    return env


# Marks drawn fully transparent (the value labels of the forces not highlighted): invisible, yet each costs
# WeasyPrint a text layout when it draws the chart.
_INVISIBLE = re.compile(r'<(text|path|rect|line|symbol)\b[^>]*\sopacity="0"[^>]*?(?:/>|>.*?</\1>)', re.S)


def print_svg_uri(svg: str) -> str:
    """A chart's SVG for print, as a data: URI, without the marks nobody can see."""
    return "data:image/svg+xml;base64," + base64.b64encode(_INVISIBLE.sub("", svg).encode("utf-8")).decode("ascii")


@cache
def _css(name: str) -> str:
    loader = environment().loader
    assert loader is not None
    source, _filename, _uptodate = loader.get_source(environment(), name)
    return source


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def stylesheet(header: str, for_pdf: bool) -> Markup:
    """The report's CSS: screen styles, then print styles (always for the PDF; under @media print on the web)."""
    printed = _css("print.css").replace("{{ header }}", _css_string(header))
    if for_pdf:
        css = _css("report.css") + "\n" + printed
    else:
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


def render_force_html(data: PublicationData, force_code: str, charts: Iterable[Chart] | Mapping[str, Chart] = (),
                      *, for_pdf: bool = False) -> str:
    """The report of one force as one self-contained HTML document."""
    context: dict[str, Any] = force_context(data, force_code, charts)
    header = f"{context['force']} · {context['title']}"
    context.update(for_pdf=for_pdf, css=stylesheet(header, for_pdf))
    return environment().get_template("report.html").render(context)


def render_force_pdf(html: str, base_url: str | None = None) -> bytes:
    """A4 PDF of a report rendered with ``for_pdf=True``: tagged (PDF/UA-1) where WeasyPrint can, else plain."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    document = HTML(string=html, base_url=base_url).render()
    try:
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    except Exception:  # a WeasyPrint that cannot tag: fall back to plain
        pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


__all__ = ["render_force_html", "render_force_pdf"]
