"""The PDF of a force's report, typeset by Typst (the `typst` wheel: the compiler is inside it) from the same report
context as the HTML: the context goes to the template as JSON (`sys.inputs.ctx`), never as Typst source.

Tagged, PDF/UA-1 checked at compile time (a missing title or alt text is a compile error, raised, never dropped),
in the Liberation Sans files shipped in `publish/fonts` only (system fonts are ignored: the same PDF on every
machine). The fonts are scanned and the template compiled once per process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import date
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from peelkit.errors import OutputError
from peelkit.publish.context import force_context
from peelkit.publish.model import Chart, PublicationData

PDF_STANDARDS = ("ua-1",)
PT_PER_PX = 0.75  # 96 px to the inch: a chart's 11 px text prints at 8.25 pt
TEXT_WIDTH_PT = 493.0  # A4 (595 pt) less 18 mm margins each side
CHART_HEIGHT_PT = 640.0  # what is left of a page below the chart's title
# Context entries the PDF does not use (the Vega-Lite spec is for the interactive web chart).
_LEFT_OUT = frozenset({"publication", "spec", "css", "dataset_titles"})


class PdfError(OutputError):
    """A report's PDF could not be made."""


def _package_path(*parts: str) -> Path:
    return Path(str(resources.files("peelkit.publish").joinpath(*parts)))


@cache
def fonts() -> Any:
    """The shipped fonts, scanned once per process (system and Typst's own fonts left out)."""
    import typst

    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                       font_paths=[str(_package_path("fonts"))])


@cache
def compiler() -> Any:
    """The report template, parsed once per process."""
    import typst

    templates = _package_path("templates")
    return typst.Compiler(str(templates / "report.typ"), root=str(templates), font_paths=fonts())


# ------------------------------------------------------------------------ narrative: HTML to a tree of strings

_BLOCKS = frozenset({"root", "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "table", "caption",
                     "thead", "tbody", "tr", "th", "td"})
_SPACE = re.compile(r"\s+")


class _Tree(HTMLParser):
    """Sanitised narrative HTML (peelkit.publish.markdown) as nested {"tag", "attrs", "children"} nodes whose
    leaves are plain strings: the template prints them as text, so Typst markup in a narrative stays literal."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: dict[str, Any] = {"tag": "root", "attrs": {}, "children": []}
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = {"tag": tag, "attrs": {k: v or "" for k, v in attrs}, "children": []}
        self.stack[-1]["children"].append(node)
        if tag != "br":
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth]["tag"] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if not any(n["tag"] == "pre" for n in self.stack):
            data = _SPACE.sub(" ", data)
            if parent["tag"] in _BLOCKS and not data.strip():
                return  # the layout whitespace between block elements
        parent["children"].append(data)


def html_tree(html: str) -> list[Any]:
    """The nodes of a sanitised HTML fragment (strings and {"tag", "attrs", "children"})."""
    parser = _Tree()
    parser.feed(html)
    parser.close()
    children: list[Any] = parser.root["children"]
    return children


# ----------------------------------------------------------------------------------------- the PDF's input

_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


def chart_scale(svg: str) -> float:
    """Points per SVG pixel for a chart in print: 0.75 (its text at its drawn size) unless it would not fit."""
    found = _SIZE.search(svg)
    if not found:
        return PT_PER_PX
    width, height = float(found.group(1)), float(found.group(2))
    return min(PT_PER_PX, TEXT_WIDTH_PT / width, CHART_HEIGHT_PT / height)


# Marks drawn fully transparent (the value labels of the forces not highlighted): nothing to print, and as text
# in the PDF they would be read out by screen readers and text extraction.
_INVISIBLE = re.compile(r'<(text|path|rect|line|symbol)\b[^>]*\sopacity="0"[^>]*?(?:/>|>.*?</\1>)', re.S)


def print_svg(svg: str) -> str:
    """A chart's SVG for print, without the marks nobody can see."""
    return _INVISIBLE.sub("", svg)


_BREAK_AFTER = re.compile(r"([_\-./])")
_LONG_RUN = re.compile(r"[^\s_\-./\u200b]{16,}")
ZWSP = "\u200b"


def breakable(text: str) -> str:
    """A file name (or a source id) that may wrap after _ - . / and inside long runs of letters (a zero-width
    space every 12 characters), so it cannot run into the next column of a table."""
    text = _BREAK_AFTER.sub(f"\\1{ZWSP}", text)
    return _LONG_RUN.sub(lambda m: ZWSP.join(m.group(0)[i:i + 12] for i in range(0, len(m.group(0)), 12)), text)


def _chart(chart: Mapping[str, Any], force: str) -> dict[str, Any]:
    svg = print_svg(str(chart["svg"]))
    scale = chart_scale(svg)
    found = _SIZE.search(svg)
    rows = [r for r in chart["table"]["rows"] if r and (r[0] in (force, "England and Wales") or r[0].endswith(force))]
    return {"id": chart["id"], "title": chart["title"], "svg": svg, "alt_text": chart["alt_text"],
            "notes": list(chart["notes"]), "missing": chart.get("missing", ""), "scale": scale,
            "width_pt": float(found.group(1)) * scale if found else TEXT_WIDTH_PT,
            "columns": list(chart["table"]["columns"]), "rows": rows}


def _plain(value: Any) -> Any:
    """JSON-safe copy of a context value: narrative Markup as a tree, dataclasses as dicts, dates as text."""
    if isinstance(value, Markup):
        return {"tree": html_tree(str(value))}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if k not in _LEFT_OUT}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(value)


def pdf_input(context: Mapping[str, Any]) -> dict[str, Any]:
    """The report context as the Typst template reads it."""
    out: dict[str, Any] = _plain(context)
    force = str(context["force"])
    out["other_charts"] = [_chart(c, force) for c in context["other_charts"]]
    out["ski_slopes"] = [_chart(c, force) for c in context.get("ski_slopes", [])]
    for question, plain in zip(context["questions"], out["questions"], strict=True):
        plain["charts"] = [_chart(c, force) for c in question["charts"]]
    for source in out["sources"]:
        source["file_name"] = breakable(source["file_name"])
        source["source"] = breakable(source["source"])
    return out


def render_force_pdf(data: PublicationData, force_code: str,
                     charts: Iterable[Chart] | Mapping[str, Chart] = (), *, banner: str = "",
                     context: Mapping[str, Any] | None = None) -> bytes:
    """One force's report as an A4 PDF (PDF/UA-1); `banner` (a draft's embargo line) goes on every page;
    `context`: force_context's, if already built for the HTML."""
    import typst

    if context is None:
        context = force_context(data, force_code, charts)
    ctx = json.dumps({**pdf_input(context), "draft_banner": banner}, ensure_ascii=False)
    try:
        pdf = compiler().compile(format="pdf", sys_inputs={"ctx": ctx}, pdf_standards=list(PDF_STANDARDS))
    except typst.TypstError as error:  # PDF/UA checks fail here too: an error, never a PDF without them
        raise PdfError(f"{context['force_title']}: Typst could not typeset the PDF: {error}") from error
    assert isinstance(pdf, bytes)
    return pdf


__all__ = ["PDF_STANDARDS", "breakable", "chart_scale", "html_tree", "pdf_input", "render_force_pdf"]
