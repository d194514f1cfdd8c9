"""The national data tables as an OpenDocument spreadsheet (.ods): the same sheets and cell values as the XLSX,
laid out as gptables lays them out.

Written as OpenDocument XML here rather than through odfpy: odfpy builds and validates an object per element
(about 15,000 for one publication) and took 1.6 s of every `peel publish`, while this takes a few tens of
milliseconds. The document is small and fixed in shape (string and float cells, two paragraph styles, two column
widths, internal links on the contents sheet); tests/publish/test_tables.py reads it back with calamine and
checks it cell for cell against the XLSX, and checks that it is a valid zip with the mimetype stored first.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from peelkit.publish.tables import Cell, Workbook

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed stamp per entry: the same tables give the same bytes
_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'office:version="1.2"'
)
_HEAD = "<?xml version='1.0' encoding='UTF-8'?>\n"
_STYLES = (
    f"{_HEAD}<office:document-styles {_NAMESPACES}><office:styles>"
    '<style:style style:name="bold" style:family="paragraph" style:display-name="bold">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="title" style:family="paragraph" style:display-name="title">'
    '<style:text-properties fo:font-weight="bold" fo:font-size="16pt"/></style:style>'
    "</office:styles></office:document-styles>"
)
_COLUMN_STYLES = (
    '<office:automatic-styles>'
    '<style:style style:name="wide" style:family="table-column">'
    '<style:table-column-properties style:column-width="12cm"/></style:style>'
    '<style:style style:name="normal" style:family="table-column">'
    '<style:table-column-properties style:column-width="4.5cm"/></style:style>'
    '</office:automatic-styles>'
)
_MANIFEST = (
    f'{_HEAD}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _paragraph(content: str, style: str | None) -> str:
    styled = f' text:style-name="{style}"' if style else ""
    return f"<text:p{styled}>{content}</text:p>"


def _cell(value: Cell, style: str | None, link: bool) -> str:
    if isinstance(value, str):
        # A string-typed cell: LibreOffice and Excel show the text and never evaluate it.
        text = escape(value)
        if link:
            text = f'<text:a xlink:type="simple" xlink:href={quoteattr("#" + value + ".A1")}>{text}</text:a>'
        return f'<table:table-cell office:value-type="string">{_paragraph(text, style)}</table:table-cell>'
    number = repr(value) if isinstance(value, float) else str(value)
    return (f'<table:table-cell office:value-type="float" office:value="{number}">'
            f"{_paragraph(number, style)}</table:table-cell>")


def _row(cells: Sequence[Cell], style: str | None = None, *, link_first: bool = False) -> str:
    inner = "".join(_cell(value, style, link_first and index == 0) for index, value in enumerate(cells))
    return f"<table:table-row>{inner}</table:table-row>"


def _sheet(name: str, columns: str, rows: Iterable[str]) -> str:
    return f"<table:table table:name={quoteattr(name)}>{columns}{''.join(rows)}</table:table>"


def _cover(workbook: Workbook) -> str:
    cover = workbook.cover
    rows = [_row([cover.title], "title")]
    for heading, lines in (("Introductory information", cover.intro), ("About these data", cover.about),
                           ("Contact", cover.contact)):
        rows.append(_row([heading], "bold"))
        rows.extend(_row([line], "bold" if line in cover.emphasised else None) for line in lines)
    return _sheet("Cover", '<table:table-column table:style-name="wide"/>', rows)


def _tables(workbook: Workbook) -> Iterable[str]:
    for table in workbook.sheets():
        columns = (f'<table:table-column table:style-name="normal" '
                   f'table:number-columns-repeated="{len(table.columns)}"/>')
        rows = [_row([table.title], "title")]
        lines = (*table.subtitles, table.instructions, *table.legend, *([table.source] if table.source else []))
        rows.extend(_row([line]) for line in lines)
        rows.append(_row(list(table.columns), "bold"))
        links = table is workbook.contents
        rows.extend(_row(list(row), link_first=links) for row in table.rows)
        yield _sheet(table.sheet, columns, rows)


def _content(workbook: Workbook) -> str:
    sheets = "".join([_cover(workbook), *_tables(workbook)])
    return (f"{_HEAD}<office:document-content {_NAMESPACES}>{_COLUMN_STYLES}"
            f"<office:body><office:spreadsheet>{sheets}</office:spreadsheet></office:body>"
            "</office:document-content>")


def _meta(created: datetime) -> str:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S")
    return (f"{_HEAD}<office:document-meta {_NAMESPACES}><office:meta>"
            f"<meta:creation-date>{stamp}</meta:creation-date><dc:date>{stamp}</dc:date>"
            "<meta:generator>peelkit</meta:generator></office:meta></office:document-meta>")


def ods_bytes(workbook: Workbook) -> bytes:
    """The whole .ods file: mimetype first and stored (as OpenDocument requires), the rest deflated."""
    parts = (("mimetype", MIMETYPE), ("META-INF/manifest.xml", _MANIFEST), ("content.xml", _content(workbook)),
             ("meta.xml", _meta(workbook.created)), ("styles.xml", _STYLES))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return out.getvalue()
