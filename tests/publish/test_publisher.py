"""The site is swapped in atomically: readers see the old site or the new one, and a killed publish leaves
the previous site intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from peelkit.publish.publisher import PublishError, _clean_stale, publish, swap_in


def _site(parent: Path, name: str, text: str) -> Path:
    folder = parent / name
    (folder / "forces").mkdir(parents=True)
    (folder / "index.html").write_text(text)
    return folder


def test_swap_points_the_site_at_the_new_build_and_drops_the_old(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = _site(tmp_path, ".site.site-1", "first")
    swap_in(first, out)
    assert (out / "index.html").read_text() == "first"
    second = _site(tmp_path, ".site.site-2", "second")
    swap_in(second, out)
    assert (out / "index.html").read_text() == "second"
    assert out.is_symlink() and not first.exists()


def test_a_folder_peelkit_did_not_make_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(PublishError, match="did not create"):
        swap_in(_site(tmp_path, ".site.site-1", "new"), out)
    assert (out / "precious.txt").read_text() == "keep me"


CHILD = """
import sys, time
from pathlib import Path
from peelkit.indicators.publication import load
from peelkit.publish import publisher
from peelkit.publish.model import PublicationData

def slow(data, code, site, formats):
    (site / "forces" / f"{code}.html").write_text("partial")
    print("rendering", code, flush=True)
    time.sleep(0.5)
    return []

publisher.render_force = slow
data = PublicationData(publication=load("peel-effectiveness-2017"), results=[], sources=[], synthetic=False)
publisher.publish(data, Path(sys.argv[1]), jobs=1)
"""


def test_a_publish_killed_part_way_leaves_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    swap_in(_site(tmp_path, ".site.site-0", "previous"), out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), str(out)], stdout=subprocess.PIPE,
                             text=True, env={**os.environ})
    assert child.stdout is not None
    assert child.stdout.readline().startswith("rendering")
    time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert (out / "index.html").read_text() == "previous"
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    # The killed run's half-built folder is left behind, and the next publish clears it away.
    leftovers = [p for p in tmp_path.glob(".site.site-*") if p.resolve() != out.resolve()]
    assert leftovers
    _clean_stale(out, keep=out.resolve())
    assert [p for p in tmp_path.glob(".site.site-*") if p.resolve() != out.resolve()] == []
    assert (out / "index.html").read_text() == "previous"


def test_index_lists_every_force_with_its_recorded_overall_grade() -> None:
    from peelkit.indicators.publication import load
    from peelkit.publish.model import PublicationData
    from peelkit.publish.site import render_index

    data = PublicationData(publication=load("peel-effectiveness-2017"), results=[], sources=[], synthetic=True,
                           ledger={"E23000017": {"judgments": {"overall": {"grade": "Good"}}}})
    page = render_index(data, ["E23000017", "E23000016"], ("html", "pdf"), ["national-tables.xlsx"])
    assert "Published March 2018" in page
    assert "<th scope=\"row\">Warwickshire</th><td>West Midlands</td><td>Good</td>" in page
    assert "<th scope=\"row\">West Mercia</th><td>West Midlands</td><td>No judgment recorded</td>" in page
    assert 'href="forces/warwickshire.pdf"' in page and "Synthetic demonstration data" in page


def test_two_workers_write_the_same_reports_as_one(tmp_path: Path, peel_home: Path) -> None:
    from peelkit.ledger import db
    from peelkit.publish.context import load_publication_data
    from tests.publish.test_report import KENT, PUBLICATION, WARKS, build_ledger, build_warehouse

    path = build_warehouse(tmp_path / "warehouse.duckdb")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    build_ledger(url)
    data = load_publication_data(path, url, PUBLICATION)
    db.engine_for(url).dispose()
    one = publish(data, tmp_path / "one", formats=("html",), force_codes=[WARKS, KENT], jobs=1)
    two = publish(data, tmp_path / "two", formats=("html", "pdf"), force_codes=[WARKS, KENT], jobs=2)
    assert sorted(two.timings) == sorted(one.timings) == sorted([WARKS, KENT])
    for slug in ("warwickshire", "kent"):
        assert (one.out / "forces" / f"{slug}.html").read_bytes() == (two.out / "forces" / f"{slug}.html").read_bytes()
        assert (two.out / "forces" / f"{slug}.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (two.out / "data").iterdir()) == sorted(p.name for p in (one.out / "data").iterdir())
