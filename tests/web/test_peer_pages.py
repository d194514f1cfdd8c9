"""The web's peer views: Force in numbers beside similar forces, the compare page's peer view, and a peer
figure withheld from a viewer who may not see every force it pools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit import forces
from peelkit.indicators.publication import load
from peelkit.publish.context import load_publication_data
from peelkit.publish.model import PublicationData
from peelkit.web import data as store
from peelkit.web import pages
from peelkit.web.peer_pages import peer_summary
from tests.peers import world
from tests.web.conftest import PUBLICATION

ME = world.CODES[0]
GROUP = world.CODES[1:8]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> PublicationData:
    folder = tmp_path_factory.mktemp("peer-web")
    world.build(folder / "w.duckdb").close()
    return load_publication_data(folder / "w.duckdb", f"sqlite:///{folder / 'l.sqlite3'}",
                                 load("peel-effectiveness-2017"))


def test_force_page_shows_the_peer_figure(data: PublicationData) -> None:
    page = pages.force_page(data, ME)
    crimes = next(f for f in page["figures"] if f["id"] == "crimes_per_1000")
    assert crimes["peer_value"] != "–" and crimes["peer_comparison"] in ("higher", "lower", "similar")
    assert crimes["peers_url"].endswith("&view=peers")
    assert page["peer_group"]["members"] == [forces.match(c).name for c in GROUP]


def test_compare_peer_view(data: PublicationData) -> None:
    chart = pages.chart_data(data, "crimes_per_1000", "peers", ME)
    assert chart["id"] == "crimes_per_1000_ski_slope" and "similar forces rank" in chart["alt_text"]
    summary = peer_summary(data, "crimes_per_1000", ME)
    assert summary is not None and summary["members"] == [forces.match(c).name for c in GROUP]
    assert summary["pooled"] == summary["members"]


def test_a_peer_figure_is_withheld_unless_every_member_is_visible(data: PublicationData) -> None:
    alone = store.restricted(data, frozenset({ME}))
    own = next(r for r in alone.results if r.force_code == ME and r.indicator == "crimes_per_1000")
    assert own.extra["peer_value"] is None and own.extra["peer_note"] == store.PEERS_WITHHELD
    assert own.extra["peer_members"] == [] and ME not in alone.peer_groups
    page = pages.force_page(alone, ME)
    assert not any(forces.match(c).name in str(page) for c in GROUP)
    with_group = store.restricted(data, frozenset({ME, *GROUP}))
    kept = next(r for r in with_group.results if r.force_code == ME and r.indicator == "crimes_per_1000")
    assert kept.extra["peer_value"] is not None and kept.extra["peer_members"] == list(GROUP)


def test_compare_page_offers_the_peer_view(client: TestClient, set_state: Callable[..., Any]) -> None:
    set_state("published")
    page = client.get(f"/publications/{PUBLICATION}/compare?indicator=crimes_per_1000&view=peers&force=kent")
    assert page.status_code == 200 and 'value="peers" checked' in page.text
    assert "Kent and its similar forces" in page.text
    body = client.get(f"/publications/{PUBLICATION}/compare.json?indicator=crimes_per_1000&view=peers&force=kent")
    assert body.json()["view"] == "peers" and body.json()["peers"]["force"] == "Kent"


def test_compare_funnel_limits_are_selectable(client: TestClient, set_state: Callable[..., Any]) -> None:
    set_state("published")
    base = f"/publications/{PUBLICATION}/compare.json?indicator=crimes_per_1000&view=funnel"
    default = client.get(base).json()
    assert default["limits"] == "additive"  # the publication's setting
    assert any("Spiegelhalter additive" in note for note in default["chart"]["notes"])
    chosen = client.get(base + "&limits=multiplicative").json()
    assert chosen["limits"] == "multiplicative"
    assert any("multiplicative over-dispersion" in note for note in chosen["chart"]["notes"])
    plain = client.get(base + "&limits=none").json()
    assert any("Poisson (exact) limits" in note for note in plain["chart"]["notes"])
    assert client.get(base + "&limits=<script>").json()["limits"] == "additive"  # unknown: the default


def test_similar_forces_link_to_their_pages(data: PublicationData) -> None:
    members = pages.similar_forces(data, ME)
    assert [m["code"] for m in members] == list(GROUP)
    assert all(m["url"] == f"/publications/{PUBLICATION}/forces/{forces.match(str(m['code'])).slug}" for m in members)
    # A viewer who may not see the whole group gets no list (the group's figure is withheld too).
    assert pages.similar_forces(store.restricted(data, frozenset({ME})), ME) == []


@pytest.fixture
def four_force_groups(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, ...]]:
    """Peer groups among the web world's four forces (it holds too little public data to compute them)."""
    from peelkit.peers import lookup as peers
    from tests.web.conftest import KENT, SUFFOLK, WARKS, WMERCIA

    members = {WARKS: (WMERCIA, KENT), WMERCIA: (WARKS, SUFFOLK), KENT: (SUFFOLK, WARKS), SUFFOLK: (KENT, WMERCIA)}

    def groups_for(*_args: object) -> dict[str, peers.PeerGroup]:
        return {code: peers.PeerGroup("test", code, group, False, "test groups") for code, group in members.items()}

    monkeypatch.setattr(peers, "groups_for", groups_for)
    return members


def test_the_force_page_lists_its_similar_forces(four_force_groups: dict[str, tuple[str, ...]], client: TestClient,
                                                 set_state: Callable[..., Any]) -> None:
    # four_force_groups first: the app loads the publication's data when it starts.
    set_state("published")
    page = client.get(f"/publications/{PUBLICATION}/forces/warwickshire.json").json()
    members = page["similar_forces"]
    assert [m["name"] for m in members] == ["West Mercia", "Kent"]
    html = client.get(f"/publications/{PUBLICATION}/forces/warwickshire").text
    assert 'id="similar-forces"' in html and 'href="#similar-forces"' in html
    for member in members:
        assert f'<a class="govuk-link" href="{member["url"]}">{member["name"]}</a>' in html
        assert client.get(member["url"]).status_code == 200
