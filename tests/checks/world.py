"""A small, realistic hand-made warehouse for the checks tests: every force's return and the official figures
it is compared with, at England and Wales-like levels with a little spread. Tests change single figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from peelkit import forces, warehouse

Y17 = (date(2016, 7, 1), date(2017, 6, 30))
Y16 = (date(2015, 7, 1), date(2016, 6, 30))
AT17 = (date(2017, 7, 1), date(2017, 7, 1))
AT16 = (date(2016, 7, 1), date(2016, 7, 1))
ASB_TYPES = ("criminal_behaviour_orders", "community_protection_notices", "civil_injunctions", "dispersal_orders")
ASB_PER_MILLION = {"criminal_behaviour_orders": 20, "community_protection_notices": 150, "civil_injunctions": 10,
                   "dispersal_orders": 60}

Key = tuple[str, str, date]  # force code, item, period end


def code(name: str) -> str:
    return forces.match_force(name).code


@dataclass
class World:
    """Figures keyed by (force code, item, period end); `None` removes a figure."""

    population: dict[str, float] = field(default_factory=dict)
    figures: dict[Key, float | None] = field(default_factory=dict)
    periods: dict[Key, tuple[date, date]] = field(default_factory=dict)
    statuses: dict[Key, tuple[str, str]] = field(default_factory=dict)
    crime: dict[str, dict[str, float]] = field(default_factory=dict)  # force -> offence group -> count
    asb_incidents: dict[str, float] = field(default_factory=dict)
    no_return: set[str] = field(default_factory=set)
    synthetic: bool = False

    @classmethod
    def realistic(cls) -> World:
        world = cls()
        for i, area in enumerate(forces.forces()):
            pop = 600_000 + (i * 173_000) % 2_400_000
            spread = 1 + ((i * 37) % 21 - 10) / 100  # within +/-10%
            c = area.code
            world.population[c] = pop
            world.set(c, "incidents", Y17, round(400 * pop / 1000 * spread))
            world.set(c, "da_incidents", Y17, round(20 * pop / 1000 * spread))
            world.set(c, "da_crimes", Y17, round(9 * pop / 1000 * spread))
            world.set(c, "da_arrests", Y17, round(4 * pop / 1000 * spread))
            for kind, rate in ASB_PER_MILLION.items():
                world.set(c, f"asb_powers:{kind}", Y16, round(rate * pop / 1e6 * spread))
                world.set(c, f"asb_powers:{kind}", Y17, round(rate * pop / 1e6 * spread * 1.2))
            for period, growth in ((AT16, 1.0), (AT17, 1.1)):
                ocgs = round(40 * pop / 1e6 * spread * growth)
                world.set(c, "ocgs", period, ocgs)
                world.set(c, "ocgs_mapped", period, round(ocgs * 0.9))
            world.crime[c] = {"Violence against the person": round(30 * pop / 1000 * spread),
                              "Theft offences": round(40 * pop / 1000 * spread),
                              "Fraud offences": round(5 * pop / 1000), "Action Fraud": round(200 * pop / 1000)}
            world.asb_incidents[c] = round(30 * pop / 1000 * spread)
        return world

    def scale_force(self, force: str, population: float) -> None:
        """Give a force another population, with every figure scaled to match."""
        ratio = population / self.population[force]
        self.population[force] = population
        for key, value in self.figures.items():
            if key[0] == force and value is not None:
                self.figures[key] = round(value * ratio)
        self.crime[force] = {k: round(v * ratio) for k, v in self.crime[force].items()}
        self.asb_incidents[force] = round(self.asb_incidents[force] * ratio)

    def set(self, force: str, item: str, period: tuple[date, date], value: float | None) -> None:
        key = (force, item, period[1])
        self.figures[key] = value
        self.periods[key] = period

    def get(self, force: str, item: str, period: tuple[date, date]) -> float:
        value = self.figures[(force, item, period[1])]
        assert value is not None
        return value

    def status(self, force: str, item: str, period: tuple[date, date], status: str, reason: str = "") -> None:
        self.statuses[(force, item, period[1])] = (status, reason)
        if status == "unable":
            self.figures[(force, item, period[1])] = None

    def build(self, path: Path) -> duckdb.DuckDBPyConnection:
        con = warehouse.connect(path)
        _official(con, self)
        self.load_return(con, [c for c in self.population if c not in self.no_return])
        return con

    def load_return(self, con: duckdb.DuckDBPyConnection, codes: list[str]) -> int:
        """Load the returns of `codes` as one new import (a resubmission when they were loaded before)."""
        (import_id,) = warehouse.allocate_import_ids(con, 1)
        _import_row(con, import_id, "force_return", f"return-{import_id}", ["force_return", "return_items"],
                    self.synthetic)
        items: list[tuple[object, ...]] = []
        facts: list[tuple[object, ...]] = []
        for key, period in self.periods.items():
            force, item, _end = key
            if force not in codes:
                continue
            status, reason = self.statuses.get(key, ("supplied", ""))
            items.append((import_id, force, item, period[0], period[1], status, reason or None))
            value = self.figures.get(key)
            if value is None:
                continue
            measure, _, offence = item.partition(":")
            facts.append(("2017-09", import_id, "force_return", force, period[0], period[1], measure,
                          offence or None, value))
        _insert(con, "return_items", RETURN_ITEM_COLUMNS, items)
        _insert(con, "facts", FACT_COLUMNS, facts)
        return import_id


FACT_COLUMNS = ("vintage", "import_id", "dataset", "area_code", "period_start", "period_end", "measure", "offence",
                "value")
RETURN_ITEM_COLUMNS = ("import_id", "area_code", "item", "period_start", "period_end", "status", "reason")


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...],
            rows: list[tuple[object, ...]]) -> None:
    import pyarrow as pa

    if not rows:
        return
    batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})  # noqa: F841
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM batch")


def _import_row(con: duckdb.DuckDBPyConnection, import_id: int, source: str, name: str, datasets: list[str],
                synthetic: bool = False) -> None:
    con.execute("INSERT INTO imports VALUES (?, ?, 'test', ?, ?, ?, '2017-09', ?, 0, ?, ?)",
                [import_id, source, name, f"/tmp/{name}", f"sha-{name}", datasets, synthetic, datetime(2018, 1, 1)])


def _official(con: duckdb.DuckDBPyConnection, world: World) -> None:
    (import_id,) = warehouse.allocate_import_ids(con, 1)
    _import_row(con, import_id, "official", "official", ["population", "recorded_crime_rolling", "asb_incidents"])
    rows: list[tuple[object, ...]] = []
    for c, pop in world.population.items():
        rows.append(("2018-03", import_id, "population", c, date(2016, 6, 30), date(2016, 6, 30), "population",
                     None, pop))
        for offence, count in world.crime[c].items():
            rows.append(("2017-10", import_id, "recorded_crime_rolling", c, *Y17, "offences", offence, count))
        rows.append(("2018-03", import_id, "asb_incidents", c, date(2016, 4, 1), date(2017, 3, 31), "incidents",
                     None, world.asb_incidents[c]))
        rows.append(("2018-03", import_id, "asb_incidents", c, date(2015, 4, 1), date(2016, 3, 31), "incidents",
                     None, world.asb_incidents[c] * 1.05))
    _insert(con, "facts", FACT_COLUMNS, rows)
