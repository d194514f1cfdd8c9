"""Public tasks beside the publications: find your force (the search form, names and short names), the
national data tables and manifest as `peel publish` wrote them (never before release), and the API
documentation served from the app itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit.publish.context import load_publication_data
from peelkit.publish.publisher import publish
from peelkit.web.app import WebSettings
from peelkit.web.force_search import search
from peelkit.web.security_headers import content_security_policy
from tests.web.conftest import PUBLICATION, WARKS

Login = Callable[..., TestClient]
DOWNLOADS = ("national-tables.xlsx", "national-tables.ods", "indicators.csv", "notes.csv", "manifest.json")


@pytest.mark.parametrize(("typed", "found"), [
    ("Met", ["Metropolitan Police"]), ("the met", ["Metropolitan Police"]), ("MPS", ["Metropolitan Police"]),
    ("Avon", ["Avon and Somerset"]), ("somerset", ["Avon and Somerset"]), ("GMP", ["Greater Manchester"]),
    ("manchester", ["Greater Manchester"]), ("TVP", ["Thames Valley"]), ("devon", ["Devon and Cornwall"]),
    ("Cornwall", ["Devon and Cornwall"]), ("Kent Police", ["Kent"]), ("warks", ["Warwickshire"]),
    ("E23000017", ["Warwickshire"]), ("thames-valley", ["Thames Valley"]), ("London, City of", ["City of London"]),
    ("Dyfed Powys", ["Dyfed-Powys"]), ("west mid", ["West Midlands"]),
    ("west", ["West Mercia", "West Midlands", "West Yorkshire"]), ("Atlantis", []), ("", []), ("   ", []),
    ("K04000001", []),  # England and Wales is not a force
])
def test_search_names_and_short_names(typed: str, found: list[str]) -> None:
    assert [a.name for a in search(typed)] == found


def test_an_exact_spelling_comes_first() -> None:
    assert search("Northumbria")[0].name == "Northumbria"
    assert [a.name for a in search("north")][:2] == ["North Wales", "North Yorkshire"]
    assert len(search("x" * 10_000)) == 0  # a long query is cut, not an error


def test_the_search_form_links_a_force_only_where_the_viewer_may_see_it(
        client: TestClient, new_client: Callable[[], TestClient], login: Login,
        set_state: Callable[..., Any]) -> None:
    home = client.get("/").text
    assert '<form method="get" action="/forces" role="search"' in home and 'name="q"' in home
    draft = client.get("/forces.json?q=war").json()
    assert [(r["name"], r["url"]) for r in draft["results"]] == [("Warwickshire", None)]
    assert "no report is published yet" in client.get("/forces?q=war").text
    warks = login(new_client(), "warks")
    own = warks.get("/forces.json?q=warwickshire").json()["results"][0]
    assert own["url"] == f"/publications/{PUBLICATION}/forces/warwickshire"
    assert warks.get("/forces.json?q=kent").json()["results"][0]["url"] is None
    set_state("published")
    page = client.get("/forces?q=Kent")
    assert page.status_code == 200 and "1 force matches" in page.text
    assert f'href="/publications/{PUBLICATION}/forces/kent"' in page.text
    assert client.get(f"/publications/{PUBLICATION}/forces/kent").status_code == 200
    none = client.get("/forces?q=Atlantis").text
    assert "0 forces match" in none and "No force matches" in none
    escaped = client.get("/forces?q=<script>alert(1)</script>").text
    assert "<script>alert(1)</script>" not in escaped and "&lt;script&gt;" in escaped


@pytest.fixture
def published_site(web_settings: WebSettings) -> Iterator[Path]:
    """The site as `peel publish` builds it (HTML of one force, and the national tables of all)."""
    data = load_publication_data(web_settings.warehouse_path, web_settings.ledger_url, PUBLICATION)
    publish(data, web_settings.site_dir, formats=["html"], force_codes=[WARKS], jobs=1)
    yield web_settings.site_dir


def test_the_data_tables_are_linked_once_published(published_site: Path, client: TestClient,
                                                    new_client: Callable[[], TestClient], login: Login,
                                                    set_state: Callable[..., Any], clock: Any) -> None:
    base = f"/publications/{PUBLICATION}"
    ana = login(new_client(), "ana")
    draft = ana.get(base).text
    assert "made available here when the publication is published" in draft and "/downloads/" not in draft
    for name in DOWNLOADS:  # nobody, staff included, downloads them before release
        assert ana.get(f"{base}/downloads/{name}").status_code == 404
        assert client.get(f"{base}/downloads/{name}").status_code == 404
    set_state("embargoed", release_at=datetime(2018, 3, 22, 9, 30, tzinfo=UTC))
    assert client.get(f"{base}/downloads/indicators.csv").status_code == 404
    clock.set(datetime(2018, 3, 22, 9, 31, tzinfo=UTC))  # the release time passes: the clock alone opens it
    page = client.get(base).text
    for name in DOWNLOADS:
        assert f'href="{base}/downloads/{name}"' in page, name
        response = client.get(f"{base}/downloads/{name}")
        on_disk = published_site / ("manifest.json" if name == "manifest.json" else f"data/{name}")
        assert response.status_code == 200 and response.content == on_disk.read_bytes(), name
    xlsx = client.get(f"{base}/downloads/national-tables.xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'attachment; filename="peel-effectiveness-2017-national-tables.xlsx"' in xlsx.headers["content-disposition"]
    manifest = client.get(f"{base}/downloads/manifest.json").json()
    assert manifest["publication"] == PUBLICATION and "data/national-tables.ods" in manifest["outputs"]
    for bad in ("report.html", "..%2Fmanifest.json", "forces%2Fwarwickshire.html", "web-secret"):
        assert client.get(f"{base}/downloads/{bad}").status_code == 404, bad


def test_a_site_of_another_publication_is_not_offered(published_site: Path, client: TestClient,
                                                      set_state: Callable[..., Any]) -> None:
    set_state("published")
    manifest = published_site / "manifest.json"
    body = json.loads(manifest.read_text("utf-8"))
    manifest.write_text(json.dumps({**body, "publication": "another-publication"}), encoding="utf-8")
    assert client.get(f"/publications/{PUBLICATION}/downloads/indicators.csv").status_code == 404
    assert "have not been built on this server" in client.get(f"/publications/{PUBLICATION}").text


def test_the_api_documentation_is_served_from_the_app(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    from peelkit.web.routes import find

    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/openapi.json" in page.text
    assert page.headers["content-security-policy"] == content_security_policy()
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "unsafe-eval" not in page.headers["content-security-policy"]
    assert "https://" not in page.text.split("<footer")[0]  # nothing from elsewhere: no CDN
    if (find.STATIC_DIR / "swagger-ui" / "swagger-ui-bundle.js").is_file():
        assert 'id="swagger-ui"' in page.text and '<script src="/static/api-docs.js" defer></script>' in page.text
        for path in ("/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/swagger-ui.css",
                     "/static/api-docs.js"):
            assert client.get(path).status_code == 200, path
    monkeypatch.setattr(find, "STATIC_DIR", tmp_path)  # a server where `make web-assets` was not run
    plain = client.get("/api/v1/docs").text
    assert "make web-assets" in plain and 'id="swagger-ui"' not in plain and "swagger-ui-bundle" not in plain
