"""Publications as declarative files: which indicators, for which periods, built from which vintages, with
which exclusions. Loading one checks every force name and indicator id it uses."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from peelkit import forces
from peelkit.errors import InputError
from peelkit.indicators.catalogue import BY_ID
from peelkit.periods import Period, months_to

Status = Literal["excluded", "partial"]


class PublicationError(InputError):
    """An unknown publication, or a publication file that cannot be used."""


@dataclass(frozen=True)
class Exclusion:
    force_code: str
    indicator: str
    status: Status
    reason: str


@dataclass(frozen=True)
class PopulationOverride:
    force_code: str
    population: float
    reason: str
    indicators: tuple[str, ...]  # empty = every indicator


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    force_codes: tuple[str, ...]
    indicators: tuple[str, ...]
    periods: tuple[date, ...]


@dataclass(frozen=True)
class IndicatorPeriods:
    main: Period
    compare_with: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Publication:
    id: str
    title: str
    year: int
    published: str
    population_as_at: date
    allow_partial_periods: bool
    vintages: dict[str, str]
    periods: dict[str, IndicatorPeriods]
    exclusions: tuple[Exclusion, ...] = ()
    population_overrides: tuple[PopulationOverride, ...] = ()
    groups: tuple[Group, ...] = ()
    source: str = ""
    # The ledger framework (id or programme year) the publication reports on; blank: the one governing `year`.
    framework: str = ""
    # Which peer groups the force figures are compared with: a loaded version, or peelkit's computed default.
    peer_groups: str = "computed"
    # Over-dispersion adjustment of funnel limits and of comparison_overdispersed: none|multiplicative|additive.
    overdispersion: str = "additive"
    _exclusion_index: dict[tuple[str, str], Exclusion] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for exclusion in self.exclusions:
            self._exclusion_index[(exclusion.force_code, exclusion.indicator)] = exclusion

    @property
    def indicator_ids(self) -> list[str]:
        return list(self.periods)

    def exclusion(self, force_code: str, indicator: str) -> Exclusion | None:
        return self._exclusion_index.get((force_code, indicator))


OVERDISPERSION = ("none", "multiplicative", "additive")


def with_options(publication: Publication, overdispersion: str | None = None,
                 peer_groups: str | None = None) -> Publication:
    """The publication with its over-dispersion method or peer-group version chosen for one run."""
    if overdispersion is not None and overdispersion not in OVERDISPERSION:
        raise PublicationError(f"over-dispersion must be one of {', '.join(OVERDISPERSION)}, not {overdispersion!r}")
    return replace(publication, overdispersion=overdispersion or publication.overdispersion,
                   peer_groups=peer_groups or publication.peer_groups)


def available() -> list[str]:
    folder = resources.files("peelkit.indicators").joinpath("publications")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load(name_or_path: str) -> Publication:
    """A built-in publication by id, or a publication file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text, source = path.read_text(encoding="utf-8"), str(path)
    else:
        if name_or_path not in available():
            raise PublicationError(
                f"no publication {name_or_path!r}; built in: {', '.join(available())} (or give a .toml file's path)"
            )
        resource = resources.files("peelkit.indicators").joinpath(f"publications/{name_or_path}.toml")
        text, source = resource.read_text(encoding="utf-8"), f"{name_or_path}.toml"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PublicationError(f"{source}: not valid TOML: {error}") from error
    return parse(raw, source)


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise PublicationError(f"{where}: {value!r} is not a date (expected YYYY-MM-DD)") from error


def _force_codes(names: Any, where: str) -> tuple[str, ...]:
    if not isinstance(names, list) or not names:
        raise PublicationError(f"{where}: expected a list of force names")
    codes = []
    for name in names:
        try:
            codes.append(forces.match_force(str(name)).code)
        except forces.UnknownAreaError as error:
            raise PublicationError(f"{where}: {error}") from error
    return tuple(codes)


def _indicator_ids(ids: Any, where: str) -> tuple[str, ...]:
    if not isinstance(ids, list):
        raise PublicationError(f"{where}: expected a list of indicator ids")
    unknown = [i for i in ids if i not in BY_ID]
    if unknown:
        raise PublicationError(f"{where}: unknown indicator(s) {unknown}; known: {', '.join(BY_ID)}")
    return tuple(str(i) for i in ids)


def _period(spec: Any, indicator: str, where: str) -> Period:
    kind = BY_ID[indicator].numerator.period_kind
    if isinstance(spec, dict) and "as_at" in spec:
        day = _date(spec["as_at"], f"{where}.as_at")
        return Period(day, day)
    if isinstance(spec, dict) and "end" in spec:
        if kind == "as_at":
            raise PublicationError(f"{where}: {indicator} is a count on a date: give as_at, not end")
        return months_to(_date(spec["end"], f"{where}.end"), BY_ID[indicator].numerator.months)
    raise PublicationError(f"{where}: give {{ end = \"YYYY-MM-DD\" }} or {{ as_at = \"YYYY-MM-DD\" }}")


def parse(raw: dict[str, Any], source: str) -> Publication:
    for key in ("id", "title", "year", "population_as_at", "periods"):
        if key not in raw:
            raise PublicationError(f"{source}: missing required key {key!r}")
    periods: dict[str, IndicatorPeriods] = {}
    for indicator, spec in raw["periods"].items():
        where = f"{source}: periods.{indicator}"
        if indicator not in BY_ID:
            raise PublicationError(f"{where}: unknown indicator; known: {', '.join(BY_ID)}")
        main = _period(spec, indicator, where)
        earlier = []
        for value in spec.get("compare_with", []):
            day = _date(value, f"{where}.compare_with")
            earlier.append(Period(day, day) if main.start == main.end else months_to(day, main.months))
        periods[indicator] = IndicatorPeriods(main, tuple(earlier))
    exclusions = []
    for index, item in enumerate(raw.get("exclusions", [])):
        where = f"{source}: exclusions[{index}]"
        status = item.get("status", "excluded")
        if status not in ("excluded", "partial"):
            raise PublicationError(f"{where}: status must be 'excluded' or 'partial', not {status!r}")
        if not str(item.get("reason", "")).strip():
            raise PublicationError(f"{where}: every exclusion needs a reason (it becomes a footnote)")
        for code in _force_codes(item.get("forces"), f"{where}.forces"):
            for indicator in _indicator_ids(item.get("indicators"), f"{where}.indicators"):
                exclusions.append(Exclusion(code, indicator, status, str(item["reason"]).strip()))
    overrides = []
    for index, item in enumerate(raw.get("population_overrides", [])):
        where = f"{source}: population_overrides[{index}]"
        (code,) = _force_codes([item.get("force")], f"{where}.force")
        population = item.get("population")
        if not isinstance(population, int | float) or population <= 0:
            raise PublicationError(f"{where}: population must be a positive number")
        overrides.append(PopulationOverride(code, float(population), str(item.get("reason", "")),
                                            _indicator_ids(item.get("indicators", []), f"{where}.indicators")))
    groups = []
    for index, item in enumerate(raw.get("groups", [])):
        where = f"{source}: groups[{index}]"
        groups.append(Group(str(item.get("id", f"group-{index}")), str(item.get("name", "")),
                            _force_codes(item.get("forces"), f"{where}.forces"),
                            _indicator_ids(item.get("indicators", []), f"{where}.indicators"),
                            tuple(_date(d, f"{where}.periods") for d in item.get("periods", []))))
    overdispersion = str(raw.get("overdispersion", "additive"))
    if overdispersion not in OVERDISPERSION:
        raise PublicationError(f"{source}: overdispersion must be 'none', 'multiplicative' or 'additive', "
                               f"not {overdispersion!r}")
    vintages = raw.get("vintages", {})
    if not all(isinstance(v, str) for v in vintages.values()):
        raise PublicationError(f"{source}: vintages must map dataset names to vintage strings")
    return Publication(
        id=str(raw["id"]), title=str(raw["title"]), year=int(raw["year"]), published=str(raw.get("published", "")),
        population_as_at=_date(raw["population_as_at"], f"{source}: population_as_at"),
        allow_partial_periods=bool(raw.get("allow_partial_periods", False)), vintages=dict(vintages),
        periods=periods, exclusions=tuple(exclusions), population_overrides=tuple(overrides), groups=tuple(groups),
        source=source, framework=str(raw.get("framework", "")).strip(),
        peer_groups=str(raw.get("peer_groups", "computed")), overdispersion=overdispersion,
    )
