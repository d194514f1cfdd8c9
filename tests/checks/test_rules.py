"""Every rule with a passing and a failing hand-made case."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from peelkit.checks import CheckContext, CheckFinding, CheckSettings, rule
from peelkit.checks.registry import current_return_sql, rules, unregister
from peelkit.checks.runner import run_checks
from peelkit.indicators.publication import load
from tests.checks.world import ASB_TYPES, AT16, AT17, Y16, Y17, World, code

PUB = load("peel-effectiveness-2017")


def _run(world: World, tmp_path: Path, rule_id: str | None = None,
         settings: CheckSettings | None = None) -> list[CheckFinding]:
    con = world.build(tmp_path / "w.duckdb")
    try:
        return run_checks(con, PUB, settings, only=[rule_id] if rule_id else None)
    finally:
        con.close()


def _who(findings: Iterable[CheckFinding]) -> set[tuple[str, str]]:
    return {(f.force_code, f.item) for f in findings}


def test_builtin_rules_are_registered() -> None:
    ids = {r.id for r in rules()}
    assert {"completeness.not-supplied", "consistency.ocgs-mapped-within-ocgs", "consistency.part-within-total",
            "outliers.funnel", "trends.year-on-year", "agreement.da-crimes-within-recorded-crime",
            "agreement.incidents-cover-asb"} <= ids
    assert all(r.title and r.kind and r.description for r in rules())


def test_realistic_returns_raise_nothing(tmp_path: Path) -> None:
    assert _run(World.realistic(), tmp_path) == []


# ------------------------------------------------------------------------------------------ completeness

def test_completeness_reports_unable_and_partial_with_reasons(tmp_path: Path) -> None:
    world = World.realistic()
    bedfordshire, durham = code("Bedfordshire"), code("Durham")
    for kind in ASB_TYPES:
        for period in (Y16, Y17):
            world.status(bedfordshire, f"asb_powers:{kind}", period, "unable", "records system does not hold it")
    world.status(durham, "da_arrests", Y17, "unable", "arrests are not flagged")
    world.status(durham, "incidents", Y17, "partial", "11 months only")
    found = _run(world, tmp_path, "completeness.not-supplied")
    assert {f.severity for f in found} == {"info"}
    assert len([f for f in found if f.force_code == bedfordshire]) == 8
    arrests = next(f for f in found if f.item == "da_arrests")
    assert arrests.force_code == durham and arrests.figure is None and "arrests are not flagged" in arrests.message
    partial = next(f for f in found if f.item == "incidents")
    assert "only in part" in partial.message and "11 months only" in partial.message
    assert partial.figure == world.get(durham, "incidents", Y17)


def test_a_reason_ending_in_a_full_stop_gets_one_full_stop(tmp_path: Path) -> None:
    world = World.realistic()
    world.status(code("Suffolk"), "da_arrests", Y17, "unable", "A new records system cannot supply these figures. ")
    world.status(code("Kent"), "incidents", Y17, "partial", "Eleven months only...")
    found = {f.force_code: f.message for f in _run(world, tmp_path, "completeness.not-supplied")}
    assert "cannot supply these figures. The figure will show as missing" in found[code("Suffolk")]
    assert "Eleven months only. The figure will be flagged partial" in found[code("Kent")]
    assert not any(".." in message for message in found.values()), found


def test_completeness_reports_a_force_without_a_return_and_items_left_out(tmp_path: Path) -> None:
    world = World.realistic()
    world.no_return.add(code("Kent"))
    # Left out entirely (no figure, no status row), and marked supplied without a figure.
    del world.figures[(code("Dorset"), "ocgs", AT17[1])]
    del world.periods[(code("Dorset"), "ocgs", AT17[1])]
    world.figures[(code("Essex"), "da_incidents", Y17[1])] = None
    found = _run(world, tmp_path, "completeness.not-supplied")
    assert _who(found) == {(code("Kent"), "return"), (code("Dorset"), "ocgs"), (code("Essex"), "da_incidents")}
    assert {f.severity for f in found} == {"warning"}
    assert "No data return" in next(f for f in found if f.item == "return").message
    assert "no reason given" not in " ".join(f.message for f in found)


def test_unable_without_reason_asks_for_one(tmp_path: Path) -> None:
    world = World.realistic()
    world.status(code("Dyfed-Powys"), "da_crimes", Y17, "unable")
    (finding,) = _run(world, tmp_path, "completeness.not-supplied")
    assert "no reason given" in finding.message


# ------------------------------------------------------------------------------------------- consistency

def test_mapped_ocgs_cannot_exceed_ocgs(tmp_path: Path) -> None:
    world = World.realistic()
    assert _run(world, tmp_path / "a", "consistency.ocgs-mapped-within-ocgs") == []
    cumbria = code("Cumbria")
    world.set(cumbria, "ocgs_mapped", AT17, world.get(cumbria, "ocgs", AT17) + 5)
    (finding,) = _run(world, tmp_path / "b", "consistency.ocgs-mapped-within-ocgs")
    assert (finding.force_code, finding.item, finding.period_end, finding.severity) == (
        cumbria, "ocgs_mapped", AT17[1], "error")
    assert finding.figure == world.get(cumbria, "ocgs_mapped", AT17)
    assert "cannot be larger" in finding.message and "resubmit" in finding.message


def test_equal_mapped_and_ocgs_is_fine(tmp_path: Path) -> None:
    world = World.realistic()
    world.set(code("Cumbria"), "ocgs_mapped", AT17, world.get(code("Cumbria"), "ocgs", AT17))
    assert _run(world, tmp_path, "consistency.ocgs-mapped-within-ocgs") == []


def test_parts_cannot_exceed_totals(tmp_path: Path) -> None:
    world = World.realistic()
    assert _run(world, tmp_path / "a", "consistency.part-within-total") == []
    gwent, kent = code("Gwent"), code("Kent")
    world.set(gwent, "da_incidents", Y17, world.get(gwent, "incidents", Y17) + 1)
    world.set(kent, "asb_powers", Y17, 10)  # an overall total smaller than the four types
    found = _run(world, tmp_path / "b", "consistency.part-within-total")
    assert _who(found) == {(gwent, "da_incidents"), (kent, "asb_powers")}
    assert all(f.severity == "error" for f in found)


# --------------------------------------------------------------------------------------------- outliers

def test_outlier_three_times_england_and_wales_is_flagged(tmp_path: Path) -> None:
    world = World.realistic()
    lancs = code("Lancashire")
    world.set(lancs, "incidents", Y17, world.get(lancs, "incidents", Y17) * 3)
    (finding,) = _run(world, tmp_path, "outliers.funnel")
    assert (finding.force_code, finding.item, finding.severity) == (lancs, "incidents", "warning")
    assert "times the England and Wales rate" in finding.message and "99.8%" in finding.message


def test_outlier_far_below_is_flagged(tmp_path: Path) -> None:
    world = World.realistic()
    surrey = code("Surrey")
    world.set(surrey, "da_incidents", Y17, world.get(surrey, "da_incidents", Y17) / 4)
    (finding,) = _run(world, tmp_path, "outliers.funnel")
    assert (finding.force_code, finding.item) == (surrey, "da_incidents")
    assert "times lower than" in finding.message


def test_significant_but_modest_departures_are_not_outliers(tmp_path: Path) -> None:
    # 1.3 times the average on a count of hundreds of thousands is far outside the 99.8% limits, and far from
    # forces that agree within 10%, but not enough to query.
    world = World.realistic()
    lancs = code("Lancashire")
    world.set(lancs, "incidents", Y17, world.get(lancs, "incidents", Y17) * 1.25)
    assert _run(world, tmp_path, "outliers.funnel") == []


def test_small_counts_need_the_funnel_too(tmp_path: Path) -> None:
    # Twice the OCG rate on a handful of groups is within the 99.8% limits: chance, not an outlier.
    world = World.realistic()
    small = min(world.population, key=lambda c: world.population[c])
    world.scale_force(small, 20_000)
    assert world.get(small, "ocgs", AT17) == 1
    world.set(small, "ocgs", AT17, 2)
    assert _run(world, tmp_path, "outliers.funnel") == []


def test_excluded_forces_are_not_judged(tmp_path: Path) -> None:
    world = World.realistic()
    north_yorkshire = code("North Yorkshire")  # domestic abuse data excluded by the publication
    world.set(north_yorkshire, "da_incidents", Y17, world.get(north_yorkshire, "da_incidents", Y17) * 5)
    assert _run(world, tmp_path, "outliers.funnel") == []


def test_forces_that_spread_widely_need_a_wider_departure(tmp_path: Path) -> None:
    # OCG rates from 20 to 60 per million: a force at half the average is within that spread.
    world = World.realistic()
    for i, force in enumerate(sorted(world.population)):
        rate = 20 + (i * 7) % 41
        world.set(force, "ocgs", AT17, round(rate * world.population[force] / 1e6))
        world.set(force, "ocgs_mapped", AT17, 0)
    assert _run(world, tmp_path / "a", "outliers.funnel") == []
    essex = code("Essex")
    world.set(essex, "ocgs", AT17, round(200 * world.population[essex] / 1e6))
    assert _who(_run(world, tmp_path / "b", "outliers.funnel")) == {(essex, "ocgs")}


def test_outlier_factor_is_configurable(tmp_path: Path) -> None:
    world = World.realistic()
    lancs = code("Lancashire")
    world.set(lancs, "incidents", Y17, world.get(lancs, "incidents", Y17) * 1.25)
    assert _run(world, tmp_path / "a", "outliers.funnel") == []
    found = _run(world, tmp_path / "b", "outliers.funnel", CheckSettings(outlier_factor=1.1, outlier_z=1.0))
    assert (lancs, "incidents") in _who(found)


# ----------------------------------------------------------------------------------------------- trends

def test_six_fold_rise_in_asb_powers_is_flagged(tmp_path: Path) -> None:
    world = World.realistic()
    kent = code("Kent")
    for kind in ASB_TYPES:
        world.set(kent, f"asb_powers:{kind}", Y17, world.get(kent, f"asb_powers:{kind}", Y16) * 6)
    (finding,) = _run(world, tmp_path, "trends.year-on-year")
    assert (finding.force_code, finding.item, finding.period_end, finding.severity) == (
        kent, "asb_powers", Y17[1], "warning")
    assert "6.0 times the previous year's" in finding.message
    assert finding.figure == sum(world.get(kent, f"asb_powers:{k}", Y17) for k in ASB_TYPES)


def test_large_fall_in_ocgs_is_flagged(tmp_path: Path) -> None:
    world = World.realistic()
    essex = code("Essex")
    world.set(essex, "ocgs", AT17, round(world.get(essex, "ocgs", AT16) / 4))
    world.set(essex, "ocgs_mapped", AT17, 1)
    found = _run(world, tmp_path, "trends.year-on-year")
    assert (essex, "ocgs") in _who(found)


def test_small_counts_and_modest_changes_are_not_trends(tmp_path: Path) -> None:
    world = World.realistic()
    kent = code("Kent")
    for kind in ASB_TYPES:  # 1 -> 5 in all: a fivefold rise on tiny counts
        world.set(kent, f"asb_powers:{kind}", Y16, 0 if kind != "dispersal_orders" else 1)
        world.set(kent, f"asb_powers:{kind}", Y17, 1 if kind != "dispersal_orders" else 2)
    assert _run(world, tmp_path, "trends.year-on-year") == []


def test_trend_factor_is_configurable(tmp_path: Path) -> None:
    world = World.realistic()  # every force's ASB powers rise by 20%
    found = _run(world, tmp_path, "trends.year-on-year", CheckSettings(trend_factor=1.15))
    assert {f.item for f in found} == {"asb_powers"}
    assert len(found) > 30


def test_alliance_ocgs_are_compared_combined(tmp_path: Path) -> None:
    # Warwickshire gave the alliance's combined 2016 figure; West Mercia said it could not split it.
    world = World.realistic()
    warks, wmerc = code("Warwickshire"), code("West Mercia")
    combined = world.get(warks, "ocgs", AT16) + world.get(wmerc, "ocgs", AT16)
    world.set(warks, "ocgs", AT16, combined)
    world.set(warks, "ocgs_mapped", AT16, round(combined * 0.9))
    world.status(wmerc, "ocgs", AT16, "unable", "given with Warwickshire")
    world.status(wmerc, "ocgs_mapped", AT16, "unable", "given with Warwickshire")
    assert _run(world, tmp_path, "trends.year-on-year") == []


# -------------------------------------------------------------------------------------------- agreement

def test_da_crimes_cannot_exceed_recorded_crime_excluding_fraud(tmp_path: Path) -> None:
    world = World.realistic()
    cleveland = code("Cleveland")
    crime = world.crime[cleveland]
    excluding_fraud = crime["Violence against the person"] + crime["Theft offences"]
    world.set(cleveland, "da_crimes", Y17, excluding_fraud)  # equal: allowed
    assert _run(world, tmp_path / "a", "agreement.da-crimes-within-recorded-crime") == []
    # Above crime excluding fraud, though below crime including fraud.
    world.set(cleveland, "da_crimes", Y17, excluding_fraud + 1)
    (finding,) = _run(world, tmp_path / "b", "agreement.da-crimes-within-recorded-crime")
    assert (finding.force_code, finding.item, finding.severity) == (cleveland, "da_crimes", "error")
    assert f"{excluding_fraud:,.0f}" in finding.message


def test_incidents_below_ons_asb_incidents_are_flagged(tmp_path: Path) -> None:
    world = World.realistic()
    avon, devon = code("Avon and Somerset"), code("Devon and Cornwall")
    world.set(avon, "incidents", Y17, world.asb_incidents[avon] * 0.95)  # within the 10% tolerance
    world.set(devon, "incidents", Y17, world.asb_incidents[devon] * 0.5)
    found = _run(world, tmp_path, "agreement.incidents-cover-asb")
    assert _who(found) == {(devon, "incidents")}
    assert "12 months to 31 March 2017" in found[0].message  # the nearest ONS year


# ------------------------------------------------------------------------------------ the whole return

def test_a_return_with_several_problems_reports_them_all(tmp_path: Path) -> None:
    world = World.realistic()
    kent = code("Kent")
    world.set(kent, "incidents", Y17, world.get(kent, "incidents", Y17) * 3)
    world.set(kent, "ocgs_mapped", AT17, world.get(kent, "ocgs", AT17) + 1)
    world.set(kent, "da_crimes", Y17, sum(world.crime[kent].values()))
    for kind in ASB_TYPES:
        world.set(kent, f"asb_powers:{kind}", Y17, world.get(kent, f"asb_powers:{kind}", Y16) * 6)
    world.status(kent, "da_arrests", Y17, "unable", "not recorded")
    found = _run(world, tmp_path)
    assert {(f.rule_id, f.item) for f in found} == {
        ("outliers.funnel", "incidents"), ("consistency.ocgs-mapped-within-ocgs", "ocgs_mapped"),
        ("agreement.da-crimes-within-recorded-crime", "da_crimes"), ("trends.year-on-year", "asb_powers"),
        ("completeness.not-supplied", "da_arrests")}
    assert {f.force_code for f in found} == {kent}
    assert [f.severity for f in found] == sorted((f.severity for f in found),
                                                 key=["error", "warning", "info"].index)


def test_a_resubmission_supersedes_the_earlier_return(tmp_path: Path) -> None:
    world = World.realistic()
    cumbria = code("Cumbria")
    good = world.get(cumbria, "ocgs_mapped", AT17)
    world.set(cumbria, "ocgs_mapped", AT17, world.get(cumbria, "ocgs", AT17) + 5)
    con = world.build(tmp_path / "w.duckdb")
    try:
        assert len(run_checks(con, PUB, only=["consistency.ocgs-mapped-within-ocgs"])) == 1
        world.set(cumbria, "ocgs_mapped", AT17, good)
        new_id = world.load_return(con, [cumbria])
        assert run_checks(con, PUB) == []
        rows = con.execute(current_return_sql() + " SELECT area_code, import_id FROM current_returns").fetchall()
        assert dict(rows)[cumbria] == new_id
        # The earlier return stays as history.
        assert con.execute("SELECT count(DISTINCT import_id) FROM return_items WHERE area_code = ?",
                           [cumbria]).fetchone() == (2,)
    finally:
        con.close()


def test_synthetic_returns_are_marked(tmp_path: Path) -> None:
    world = World.realistic()
    world.synthetic = True
    world.status(code("Kent"), "da_arrests", Y17, "unable", "not recorded")
    (finding,) = _run(world, tmp_path)
    assert finding.synthetic


def test_user_rules_register_like_builtins(tmp_path: Path) -> None:
    @rule(id="test.no-zero-incidents", title="Incidents are never zero", kind="consistency")
    def no_zero(ctx: CheckContext) -> Iterable[CheckFinding]:
        for fact in ctx.return_facts("incidents"):
            if fact.value == 0:
                yield ctx.finding("test.no-zero-incidents", fact, "error", "no incidents at all: check the return")

    try:
        world = World.realistic()
        world.set(code("Kent"), "incidents", Y17, 0)
        found = _run(world, tmp_path, "test.no-zero-incidents")
        assert _who(found) == {(code("Kent"), "incidents")}
    finally:
        unregister("test.no-zero-incidents")


def test_unknown_rule_is_refused(tmp_path: Path) -> None:
    from peelkit.errors import PeelError

    with pytest.raises(PeelError, match="no check rule"):
        _run(World.realistic(), tmp_path, "no.such-rule")


def test_fingerprint_depends_on_rule_force_item_period_and_figure() -> None:
    base = CheckFinding("r", "error", "E23000001", "ocgs", AT17[1], 12.0, "one message")
    same = CheckFinding("r", "warning", "E23000001", "ocgs", AT17[1], 12, "reworded", import_id=7)
    assert base.fingerprint == same.fingerprint
    for other in (CheckFinding("r2", "error", "E23000001", "ocgs", AT17[1], 12.0, ""),
                  CheckFinding("r", "error", "E23000002", "ocgs", AT17[1], 12.0, ""),
                  CheckFinding("r", "error", "E23000001", "ocgs_mapped", AT17[1], 12.0, ""),
                  CheckFinding("r", "error", "E23000001", "ocgs", AT16[1], 12.0, ""),
                  CheckFinding("r", "error", "E23000001", "ocgs", AT17[1], 13.0, "")):
        assert other.fingerprint != base.fingerprint


def test_outlier_limits_can_allow_for_over_dispersion(tmp_path: Path) -> None:
    # The realistic forces spread +/-10% (sd about 6%), so the additive limits are about +/-18% at 99.8%. 13%
    # above the rest is outside the plain Poisson 99.8% limits at this scale (about +/-0.5%) but within the
    # widened ones; five times the rest is outside both.
    world = World.realistic()
    lancs, kent = code("Lancashire"), code("Kent")
    world.set(lancs, "incidents", Y17, round(world.get(lancs, "incidents", Y17) * 1.12))
    loose = {"outlier_factor": 1.1, "outlier_z": 1.0}
    assert (lancs, "incidents") in _who(_run(world, tmp_path / "a", "outliers.funnel", CheckSettings(**loose)))
    wide = CheckSettings(**loose, outlier_overdispersion="additive")
    assert (lancs, "incidents") not in _who(_run(world, tmp_path / "b", "outliers.funnel", wide))
    world.set(kent, "incidents", Y17, world.get(kent, "incidents", Y17) * 5)
    found = _run(world, tmp_path / "c", "outliers.funnel", wide)
    assert (kent, "incidents") in _who(found)
    assert any("allowing for over-dispersion: Spiegelhalter additive" in f.message for f in found)
