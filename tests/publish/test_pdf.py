"""The PDF of a force's report (Typst): tagged PDF/UA-1 with every font embedded, the same headings and Force in
numbers values as the HTML report, narrative never read as Typst markup, no blank page, and failures that stop."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest

from peelkit.ledger import db
from peelkit.ledger.narrative import set_narrative
from peelkit.publish import pdf as pdf_module
from peelkit.publish.charts import force_figures
from peelkit.publish.context import load_publication_data
from peelkit.publish.model import PublicationData
from peelkit.publish.pdf import PdfError, breakable, html_tree, render_force_pdf
from peelkit.publish.publisher import PublishError, render_force
from peelkit.publish.report import render_force_html
from tests.publish.test_report import (
    KENT,
    PUBLICATION,
    SUFFOLK,
    WARKS,
    WMERCIA,
    build_ledger,
    build_warehouse,
    demo_charts,
)

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="install poppler-utils (.ci/run does)")

TYPST_MARKUP = ("#set text(fill: red)", "$x^2$", "<secret-label>", "@secret-label", "#pagebreak()",
                "= Not a heading", "*not bold*", "#{ 1 + 1 }")


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> PublicationData:
    folder = tmp_path_factory.mktemp("pdf")
    path = build_warehouse(folder / "warehouse.duckdb")
    url = f"sqlite:///{folder / 'ledger.sqlite3'}"
    build_ledger(url)
    with db.session_scope(url, actor="inspector") as session:
        # Typst markup in an inspector's text: must come out as the characters typed. Backticks keep the
        # Markdown parser from reading * and = itself; the rest is a plain paragraph.
        set_narrative(session, "Kent", "2017", "overview",
                      "Typst in narrative: " + " ".join(TYPST_MARKUP[:5]) + "\n\n`= Not a heading` and "
                      "`*not bold*` and `#{ 1 + 1 }`\n\n- first\n  - nested")
    data = load_publication_data(path, url, PUBLICATION)
    db.engine_for(url).dispose()
    return data


def _pdf(data: PublicationData, code: str, folder: Path, charts: object = None) -> Path:
    chosen = force_figures(data.results, data.publication, code) if charts is None else charts
    path = folder / f"{code}.pdf"
    path.write_bytes(render_force_pdf(data, code, chosen))  # type: ignore[arg-type]
    return path


def _text(path: Path, *options: str) -> str:
    """The PDF's text, whitespace collapsed (-layout keeps a table's row on one line)."""
    out = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.replace("\u2060", "").split())  # Typst puts a word joiner before a contents' page number


def _run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def test_pdf_is_tagged_pdf_ua_1_with_every_font_embedded(fixture_data: PublicationData, tmp_path: Path) -> None:
    path = _pdf(fixture_data, WARKS, tmp_path)
    info = _run("pdfinfo", str(path))
    assert re.search(r"^Tagged:\s+yes", info, flags=re.M), info
    assert re.search(r"^Title:\s+Warwickshire Police: PEEL: Police effectiveness 2017", info, flags=re.M), info
    assert int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1)) > 3  # type: ignore[union-attr]
    raw = path.read_bytes()
    assert re.search(rb"<pdfuaid:part>1</pdfuaid:part>|pdfuaid:part=\"1\"", raw), "no PDF/UA-1 identification"
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts
    for line in fonts:
        name, *_rest = line.split()
        columns = line.split()
        assert "LiberationSans" in name, line  # the shipped font only: no system font slipped in
        assert columns[-5] == "yes", line  # emb


def assert_pdf_shows_the_html(html: str, pdf: Path) -> None:
    """Every heading of the HTML report is in the PDF's text, and every Force in numbers row's values (force,
    interval, England and Wales, comparison) appear in it in the same order."""
    text = _text(pdf, "-layout")
    headings = [" ".join(unescape(re.sub(r"<[^>]+>", "", h)).split())
                for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, flags=re.S)]
    assert len(headings) > 10
    for heading in headings:
        assert heading in text, heading
    numbers = text.split("Force in numbers")[2]  # after the contents' entry and the section's heading
    position = 0
    rows = re.findall(r'<tr id="figure-[a-z0-9_]+">(.*?)</tr>', html, flags=re.S)
    assert rows
    for row in rows:
        cells = [unescape(re.sub(r"<(sup|span).*?</\1>|<[^>]+>", "", c, flags=re.S)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        assert len(cells) == 6, cells  # force, interval, England and Wales, comparison, similar forces, comparison
        for shown in cells:
            found = numbers.find(shown, position)
            assert found >= 0, (shown, numbers[position:position + 200])
            position = found + len(shown)


def test_pdf_has_every_html_heading_and_force_in_numbers_value(fixture_data: PublicationData,
                                                               tmp_path: Path) -> None:
    """Parity of the two renderers of one context, for a sample of forces (with and without exclusions)."""
    for code in (WARKS, KENT, SUFFOLK, WMERCIA):
        charts = force_figures(fixture_data.results, fixture_data.publication, code)
        assert_pdf_shows_the_html(render_force_html(fixture_data, code, charts),
                                  _pdf(fixture_data, code, tmp_path, charts))


def test_narrative_is_never_evaluated_as_typst(fixture_data: PublicationData, tmp_path: Path) -> None:
    text = _text(_pdf(fixture_data, KENT, tmp_path))
    for markup in TYPST_MARKUP:
        assert markup in text, markup
    assert "first" in text and "nested" in text


def test_a_figure_without_data_is_one_sentence_and_no_empty_table(fixture_data: PublicationData,
                                                                  tmp_path: Path) -> None:
    text = _text(_pdf(fixture_data, WARKS, tmp_path))
    assert text.count("No figures are available for domestic abuse arrests per 100 domestic abuse crimes") == 1
    assert "Domestic abuse arrests per 100 domestic abuse crimes: data" not in text  # no table, not even a header
    assert "Warwickshire Police · PEEL: Police effectiveness 2017" in text  # the running header


def test_no_blank_page(fixture_data: PublicationData, tmp_path: Path) -> None:
    from PIL import Image

    path = _pdf(fixture_data, WARKS, tmp_path)
    subprocess.run(["pdftoppm", "-r", "24", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) > 3
    for page in pages:
        with Image.open(page) as image:
            assert image.convert("L").getextrema()[0] < 200, f"{page.name} is blank"


def test_contents_carry_page_numbers_and_pages_their_numbers(fixture_data: PublicationData,
                                                             tmp_path: Path) -> None:
    text = _text(_pdf(fixture_data, WARKS, tmp_path))
    assert re.search(r"Force in numbers[ .]*\d+", text)
    assert "Page 2 of" in text
    assert "An inspection of Warwickshire Police" in text


def test_a_missing_alt_text_is_a_pdf_ua_error_not_a_silent_pdf(fixture_data: PublicationData) -> None:
    charts = [replace(c, alt_text="") for c in demo_charts()]
    with pytest.raises(PdfError, match="Warwickshire Police: Typst could not typeset the PDF"):
        render_force_pdf(fixture_data, WARKS, charts)


def test_publish_names_the_force_whose_pdf_failed(fixture_data: PublicationData, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from peelkit.publish import charts

    def broken(*_args: object) -> None:
        raise ValueError("renderer crashed")

    monkeypatch.setattr(charts, "_BAR_BASES", {})
    monkeypatch.setattr(charts, "_bar_layout", broken)
    (tmp_path / "forces").mkdir()
    with pytest.raises(PublishError, match=r"Kent: the charts stage failed: ChartError: the chart "
                                           r"'Anti-social behaviour powers used per million population'"):
        render_force(fixture_data, KENT, tmp_path, ("html", "pdf"))
    assert not list((tmp_path / "forces").iterdir())


def test_a_chart_that_cannot_be_laid_out_stops_a_parallel_publish(fixture_data: PublicationData, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The base charts are laid out by the publisher while its workers start: a failure there stops the workers
    (no hang) and the publish, naming the chart, and leaves no site."""
    from peelkit.publish import charts
    from peelkit.publish.publisher import publish

    def broken(*_args: object) -> None:
        raise ValueError("renderer crashed")

    monkeypatch.setattr(charts, "_BAR_BASES", {})
    monkeypatch.setattr(charts, "_bar_layout", broken)
    with pytest.raises(PublishError, match=r"every force: the chart 'Anti-social behaviour powers used"):
        publish(fixture_data, tmp_path / "site", formats=("html", "pdf"), force_codes=[WARKS, KENT], jobs=2)
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.site-*"))


def test_a_chart_a_worker_cannot_draw_stops_a_parallel_publish(fixture_data: PublicationData, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """vl-convert draws the base charts in the worker processes: a spec it rejects there stops the publish,
    naming the chart, with the reports queued behind it cancelled and no site left."""
    from dataclasses import replace as replaced

    from peelkit.publish import charts
    from peelkit.publish.publisher import publish

    real_layout = charts._bar_layout

    def unrenderable(indicator_id: str, series: object) -> object:
        layout = real_layout(indicator_id, series)  # type: ignore[arg-type]
        return layout if isinstance(layout, str) else replaced(layout, spec={"mark": "nonsense", "data": {}})

    monkeypatch.setattr(charts, "_BAR_BASES", {})
    monkeypatch.setattr(charts, "_bar_layout", unrenderable)
    with pytest.raises(PublishError, match=r"every force: the chart '.+' could not be drawn: ValueError: "
                                           r"Vega-Lite to SVG conversion failed"):
        publish(fixture_data, tmp_path / "site", formats=("html", "pdf"), force_codes=[WARKS, KENT], jobs=2)
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.site-*"))


def test_more_jobs_than_forces_finishes(fixture_data: PublicationData, tmp_path: Path) -> None:
    """One force with three jobs: one worker starts and takes the charts; the copies left over do not hang."""
    from peelkit.publish.publisher import publish

    report = publish(fixture_data, tmp_path / "site", formats=("pdf",), force_codes=[KENT], jobs=3)
    assert report.forces == [KENT] and (tmp_path / "site" / "forces" / "kent.pdf").is_file()


def test_fonts_and_template_are_loaded_once_per_process(fixture_data: PublicationData, tmp_path: Path) -> None:
    _pdf(fixture_data, WARKS, tmp_path)
    fonts, compiler = pdf_module.fonts(), pdf_module.compiler()
    _pdf(fixture_data, KENT, tmp_path)
    assert pdf_module.fonts() is fonts and pdf_module.compiler() is compiler


def test_html_tree_keeps_text_as_plain_strings() -> None:
    tree = html_tree('<p>Use <strong>#set</strong> and $x$</p>\n<ul>\n<li>one</li>\n</ul>')
    assert tree == [{"tag": "p", "attrs": {}, "children": ["Use ", {"tag": "strong", "attrs": {}, "children": [
        "#set"]}, " and $x$"]}, {"tag": "ul", "attrs": {}, "children": [{"tag": "li", "attrs": {}, "children": [
            "one"]}]}]


def test_file_names_may_wrap_in_the_annex() -> None:
    assert breakable("prc-outcomes_2017.csv") == "prc-\u200boutcomes_\u200b2017.\u200bcsv"
    long = breakable("policeforceareatablesyearendingmarch2018v2.xlsx")
    assert long.replace("\u200b", "") == "policeforceareatablesyearendingmarch2018v2.xlsx"
    assert max(len(part) for part in re.split(r"[\u200b.]", long)) <= 12


def test_corrections_and_a_release_override_show_in_html_and_pdf(tmp_path: Path) -> None:
    from peelkit.ledger.corrections import begin_correction
    from peelkit.ledger.judgments import record_judgment
    from peelkit.ledger.publication_state import set_status

    path = build_warehouse(tmp_path / "warehouse.duckdb")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    build_ledger(url)
    with db.session_scope(url, actor="analyst") as session:
        set_status(session, PUBLICATION, "published", None, 0, override="forces confirmed by email")
    with db.session_scope(url, actor="inspector") as session:
        begin_correction(session, "the overall grade was transcribed wrongly")
        record_judgment(session, "Warwickshire", "2017", "overall", "Outstanding")
    data = load_publication_data(path, url, PUBLICATION)
    db.engine_for(url).dispose()
    html = unescape(render_force_html(data, WARKS, []))
    text = _text(_pdf(data, WARKS, tmp_path, []))
    for shown in (html, text):
        assert "Corrected on" in shown and "the overall grade was transcribed wrongly" in shown
        assert "Released despite open checks" in shown and "forces confirmed by email" in shown
        assert "has not signed off" in shown  # what the override let through is listed
