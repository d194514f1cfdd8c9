"""`peel publish` on the real data for two forces: every output is there and the manifest describes it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.returns.demo import run_demo
from tests.conftest import real_data_dir
from tests.helpers import load

pytestmark = pytest.mark.slow


def test_publish_two_forces(peel_home: Path, tmp_path: Path) -> None:
    data = real_data_dir()
    assert data is not None
    warehouse = peel_home / "warehouse.duckdb"
    load(warehouse, data / "home_office" / "rec-crime-pfa.csv",
         data / "ons" / "policeforceareatablesyearendingmarch2018v2.xlsx")
    run_demo("peel-effectiveness-2017", 1, out=peel_home / "returns", db_path=warehouse)
    out = tmp_path / "site"
    result = CliRunner().invoke(app, ["publish", "--out", str(out), "--force", "Warwickshire", "--force",
                                      "City of London", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    for name in ("index.html", "manifest.json", "assets/vega.js", "assets/charts.js", "forces/warwickshire.html",
                 "forces/warwickshire.pdf", "forces/city-of-london.pdf", "data/indicators.csv",
                 "data/national-tables.xlsx", "data/national-tables.ods"):
        assert (out / name).is_file(), name
    assert (out / "forces" / "warwickshire.pdf").read_bytes().startswith(b"%PDF")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["publication"] == "peel-effectiveness-2017" and manifest["synthetic"] is True
    for relative, digest in manifest["outputs"].items():
        assert hashlib.sha256((out / relative).read_bytes()).hexdigest() == digest, relative
    inputs = {i["file"] for i in manifest["inputs"]}
    assert "rec-crime-pfa.csv" in inputs
    page = (out / "forces" / "warwickshire.html").read_text()
    assert 'class="vega-spec"' in page and "</script>" in page
    # A spec is JSON inside a script element: it can never close that element early.
    for chunk in page.split('<script type="application/json" class="vega-spec">')[1:]:
        assert "<" not in chunk.split("</script>", 1)[0]
    # Publishing again replaces the site in one step and leaves no old build behind.
    again = CliRunner().invoke(app, ["publish", "--out", str(out), "--force", "Warwickshire", "--format", "html",
                                     "--jobs", "1"])
    assert again.exit_code == 0, again.output
    assert not (out / "forces" / "warwickshire.pdf").exists()
    assert len(list(tmp_path.glob(".site.site-*"))) == 1
