"""Agreement between a force's return and the official tables, where both count the same thing.

- Domestic-abuse-flagged crimes are recorded crimes, so they cannot exceed the Home Office's police recorded
  crime excluding fraud (offence groups other than 'Fraud offences' and the fraud reporting bodies' rows) for
  the same force and the same 12 months. No tolerance: the flag is set on a recorded crime, and a total larger
  than all crime cannot be explained by later revisions (which move crime figures by a few per cent, not past
  the domestic abuse share of about a tenth to a sixth of crime). Error.
- ASB incidents are incidents, so a force's incidents (calls for assistance) should not be below the ONS count
  of its ASB incidents for the 12 months ending nearest the return's period (for 2017: the return's 12 months
  to 30 June against ONS's 12 months to 31 March, table P7). The periods overlap by 9 months and ASB incidents
  moved by up to about 10% a year, so a 10% tolerance (`CheckSettings.asb_tolerance`): flagged when incidents
  are below 90% of the ASB incidents. Real forces' incidents are several times their ASB incidents, so this
  catches a return that gave a subset (e.g. only emergency calls) or the wrong force's figure. Warning.

Official figures use the publication's pinned vintage of each dataset, else the latest; a rule whose official
table is not loaded finds nothing (the indicators report the table as missing).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from peelkit.checks.registry import CheckContext, CheckFinding, fmt, force_name, period_label, rule
from peelkit.indicators.catalogue import FRAUD_OFFENCES


@rule(id="agreement.da-crimes-within-recorded-crime",
      title="Domestic-abuse-flagged crimes do not exceed recorded crime (excluding fraud)", kind="agreement")
def da_crimes_within_recorded_crime(ctx: CheckContext) -> Iterator[CheckFinding]:
    """Error when a force's domestic-abuse-flagged crimes exceed the Home Office recorded crime excluding fraud
    of the same force and 12 months."""
    facts = ctx.return_facts("da_crimes")
    if not facts:
        return
    placeholders = ", ".join("?" * len(FRAUD_OFFENCES))
    rows = ctx.con.execute(
        f"""SELECT area_code, period_start, period_end, sum(value)
            FROM {ctx.official_facts('recorded_crime_rolling')}
            WHERE dataset = 'recorded_crime_rolling' AND measure = 'offences'
              AND coalesce(offence, '') NOT IN ({placeholders})
            GROUP BY ALL""", list(FRAUD_OFFENCES)).fetchall()
    crime = {(r[0], r[1], r[2]): float(r[3]) for r in rows if r[3] is not None}
    for fact in facts:
        recorded = crime.get((fact.force_code, fact.period_start, fact.period_end))
        if fact.value is None or recorded is None or fact.value <= recorded:
            continue
        yield ctx.finding(
            "agreement.da-crimes-within-recorded-crime", fact, "error",
            f"{force_name(fact.force_code)} reports {fmt(fact.value)} domestic-abuse-flagged crimes "
            f"({period_label(fact.period_start, fact.period_end)}), more than all the crime it recorded in the "
            f"same 12 months excluding fraud ({fmt(recorded)}, Home Office). Domestic abuse crimes are part of "
            "recorded crime, so the figure is wrong: ask the force whether it counted incidents or all "
            "flagged records rather than crimes, or a longer period, and to resubmit the corrected figure.")


@rule(id="agreement.incidents-cover-asb", title="Incidents are not fewer than ONS ASB incidents",
      kind="agreement")
def incidents_cover_asb(ctx: CheckContext) -> Iterator[CheckFinding]:
    """Warning when a force's incidents are below (1 - `asb_tolerance`) times the ONS ASB incidents of the
    12 months ending nearest the return's period."""
    facts = ctx.return_facts("incidents")
    if not facts:
        return
    rows = ctx.con.execute(
        f"""SELECT area_code, period_start, period_end, sum(value) FROM {ctx.official_facts('asb_incidents')}
            WHERE dataset = 'asb_incidents' AND measure = 'incidents' AND offence IS NULL
              AND date_diff('month', period_start, period_end) = 11
            GROUP BY ALL""").fetchall()
    asb: dict[str, list[tuple[date, date, float]]] = {}
    for code, start, end, value in rows:
        if value is not None:
            asb.setdefault(str(code), []).append((start, end, float(value)))
    tolerance = ctx.settings.asb_tolerance
    for fact in facts:
        candidates = asb.get(fact.force_code)
        if fact.value is None or not candidates:
            continue
        period_end = fact.period_end
        start, end, value = min(candidates, key=lambda c: (abs((c[1] - period_end).days), c[1]))
        if fact.value >= value * (1 - tolerance):
            continue
        yield ctx.finding(
            "agreement.incidents-cover-asb", fact, "warning",
            f"{force_name(fact.force_code)} reports {fmt(fact.value)} incidents "
            f"({period_label(fact.period_start, fact.period_end)}), fewer than the {fmt(value)} anti-social "
            f"behaviour incidents ONS published for it ({period_label(start, end)}) even allowing "
            f"{tolerance:.0%} for the different periods. ASB incidents are a subset of all incidents: ask the "
            "force whether the figure leaves out some kinds of call (e.g. non-emergency or ASB calls) or covers "
            "less than 12 months, and to resubmit the full count.")
