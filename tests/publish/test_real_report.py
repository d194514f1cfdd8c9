"""The published Warwickshire 2017 report, from the real data, shows what `peel indicators` prints."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.ledger.db import database_url
from peelkit.publish.charts import force_figures
from peelkit.publish.context import load_publication_data
from peelkit.publish.report import render_force_html
from peelkit.returns.demo import run_demo
from tests.conftest import real_data_dir
from tests.helpers import load

pytestmark = pytest.mark.slow
WARKS = "E23000017"


def test_warwickshire_force_in_numbers_matches_peel_indicators(peel_home: Path) -> None:
    data_dir = real_data_dir()
    assert data_dir is not None
    warehouse = peel_home / "warehouse.duckdb"
    load(warehouse, data_dir / "home_office" / "rec-crime-pfa.csv",
         data_dir / "home_office" / "prc-outcomes-open-data-2017-18.csv.gz",
         data_dir / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx")
    run_demo("peel-effectiveness-2017", 1, out=peel_home / "returns", db_path=warehouse)
    printed = CliRunner().invoke(app, ["indicators", "--force", "Warwickshire", "--format", "csv"])
    assert printed.exit_code == 0, printed.output
    rows = [r for r in csv.DictReader(io.StringIO(printed.output)) if r["force_code"] == WARKS]
    assert len(rows) == 14
    data = load_publication_data(warehouse, database_url(), "peel-effectiveness-2017")
    page = render_force_html(data, WARKS, force_figures(data.results, data.publication, WARKS))
    ew = {r["indicator"]: r["display"] for r in csv.DictReader(io.StringIO(printed.output))
          if r["force_code"] == "K04000001"}
    for row in rows:
        # Each indicator has a table row with the force's value and England and Wales's value.
        match = re.search(rf'<tr id="figure-{row["indicator"]}">(.*?)</tr>', page, flags=re.S)
        assert match, row["indicator"]
        value = re.search(r'<td class="num value">(.*?)(<sup|<span|</td>)', match.group(1), flags=re.S)
        ew_value = re.search(r'<td class="num ew">(.*?)(<sup|<span|</td>)', match.group(1), flags=re.S)
        assert value and ew_value
        assert html_lib.unescape(value.group(1)).strip() == row["display"], row["indicator"]
        assert html_lib.unescape(ew_value.group(1)).strip() == ew[row["indicator"]], row["indicator"]
    assert "synthetic demonstration data" in page


def test_real_pdfs_show_what_the_html_reports_show(peel_home: Path) -> None:
    """The PDF parity check on the real data, for a sample of forces named differently in their reports."""
    from peelkit.publish.pdf import chart_scale, print_svg, render_force_pdf
    from tests.publish.test_pdf import assert_pdf_shows_the_html

    data_dir = real_data_dir()
    assert data_dir is not None
    warehouse = peel_home / "warehouse.duckdb"
    load(warehouse, data_dir / "home_office" / "rec-crime-pfa.csv",
         data_dir / "home_office" / "prc-outcomes-open-data-2017-18.csv.gz",
         data_dir / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx")
    run_demo("peel-effectiveness-2017", 1, out=peel_home / "returns", db_path=warehouse)
    data = load_publication_data(warehouse, database_url(), "peel-effectiveness-2017")
    for code, name in ((WARKS, "Warwickshire Police"), ("E23000001", "Metropolitan Police Service"),
                       ("E23000036", "Avon and Somerset Constabulary"), ("E23000034", "City of London Police")):
        charts = force_figures(data.results, data.publication, code)
        for chart in charts:  # 43 forces: still no chart text under 8 pt in print
            svg = print_svg(chart.svg)
            sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)px"', svg)]
            assert min(sizes) * chart_scale(svg) >= 8.0, chart.id
        html = render_force_html(data, code, charts)
        assert f"An inspection of {name}" in html
        pdf = peel_home / f"{code}.pdf"
        pdf.write_bytes(render_force_pdf(data, code, charts))
        assert_pdf_shows_the_html(html, pdf)
