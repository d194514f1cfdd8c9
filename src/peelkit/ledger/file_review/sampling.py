"""Planning a draw (a pure function of the frame's rows and the definition): allocation across strata and the
seeded draw within each stratum."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from peelkit import forces
from peelkit.ledger.file_review.frame import FrameRow
from peelkit.ledger.file_review.rules import (
    ALLOCATION_RULE,
    ALLOCATION_VERSION,
    CRIME_TYPES,
    WINDOW_2017,
    FileReviewError,
    default_sizes,
    match_crime_type,
    suggest,
)


@dataclass(frozen=True)
class DrawDefinition:
    seed: int
    sizes: Mapping[str, int]
    window_start: date = WINDOW_2017[0]
    window_end: date = WINDOW_2017[1]
    crime_types: tuple[str, ...] = tuple(cid for cid, _ in CRIME_TYPES)
    allocation_rule: str = ALLOCATION_RULE
    allocation_version: int = ALLOCATION_VERSION


@dataclass(frozen=True)
class StratumPlan:
    crime_type: str
    population: int
    allocated: int
    references: tuple[str, ...]  # in the order drawn


@dataclass(frozen=True)
class ForcePlan:
    force_code: str
    target_size: int
    strata: tuple[StratumPlan, ...]

    @property
    def eligible(self) -> int:
        return sum(s.population for s in self.strata)

    @property
    def drawn(self) -> int:
        return sum(s.allocated for s in self.strata)

    @property
    def takes_all(self) -> bool:
        return 0 < self.eligible <= self.target_size

    @property
    def note(self) -> str:
        return force_note(self.eligible, self.target_size)


def force_note(eligible: int, target_size: int) -> str:
    """What a draw says about a force that could not have its full sample."""
    if target_size == 0:
        return "not sampled (size 0)"
    if eligible == 0:
        return "no eligible files in the frame"
    if eligible <= target_size:
        return f"takes all {eligible} eligible files (fewer than the {target_size} asked for)"
    return ""


def allocate(size: int, populations: Sequence[int]) -> list[int]:
    """Split `size` across strata in proportion to `populations` (largest remainder), capped at each stratum.

    - If the strata hold no more than `size` files between them, every file is taken.
    - Each stratum first gets the whole part of its quota size * N_h / N; the units left over go to the largest
      fractional parts (ties: the larger stratum, then the earlier one). Integer arithmetic, so no float ties.
    - Then, if there are no more non-empty strata than `size`, every non-empty stratum gets at least one: a unit
      is moved from the stratum whose allocation most exceeds its quota (among those with more than one) to the
      largest stratum still at zero, until none is at zero.
    - No stratum gets more than it holds (the proportional allocation never exceeds a stratum when size < N).
    """
    if size < 0 or any(p < 0 for p in populations):
        raise ValueError("sizes and populations cannot be negative")
    total = sum(populations)
    if size >= total:
        return list(populations)
    n = len(populations)
    alloc = [size * p // total for p in populations]
    remainder = [size * p % total for p in populations]
    left = size - sum(alloc)
    for i in sorted(range(n), key=lambda i: (-remainder[i], -populations[i], i))[:left]:
        alloc[i] += 1
    if sum(1 for p in populations if p > 0) <= size:
        while True:
            zero = [i for i in range(n) if populations[i] > 0 and alloc[i] == 0]
            if not zero:
                break
            donor = max((i for i in range(n) if alloc[i] > 1),
                        key=lambda i: (alloc[i] * total - size * populations[i], alloc[i], -i))
            receiver = min(zero, key=lambda i: (-populations[i], i))
            alloc[donor] -= 1
            alloc[receiver] += 1
    assert sum(alloc) == size and all(0 <= a <= p for a, p in zip(alloc, populations, strict=True))
    return alloc


def stratum_seed(seed: int, force_code: str, crime_type: str) -> int:
    """The seed of one stratum's generator: the first 128 bits of sha256 over (version, seed, force, crime type).

    Hashing the names (rather than spawning child seeds in some order) makes a stratum's stream depend on nothing
    but the draw's seed and the stratum itself: adding a force or a crime type, or listing them in another order,
    leaves every other stratum's sample unchanged.
    """
    text = f"peelkit-file-review/v{ALLOCATION_VERSION}|{seed}|{force_code}|{crime_type}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:16], "big")


def draw_stratum(references: Sequence[str], k: int, seed: int, force_code: str, crime_type: str) -> tuple[str, ...]:
    """k of the references, at random without replacement, in the order drawn.

    The references are sorted by code point first (Python's str order, never a database's collation, which
    differs between SQLite and PostgreSQL and between locales): the sample then depends only on which records
    the frame holds, not on the order the file listed them or the database returned them.
    """
    import numpy as np

    ordered = sorted(references)
    if k >= len(ordered):
        return tuple(ordered)
    rng = np.random.Generator(np.random.PCG64(stratum_seed(seed, force_code, crime_type)))
    picks = rng.choice(len(ordered), size=k, replace=False)
    return tuple(ordered[int(i)] for i in picks)


def plan_draw(rows: Iterable[FrameRow], definition: DrawDefinition) -> list[ForcePlan]:
    """The sample for every force in `definition.sizes`, from the frame's rows (a pure function).

    Rows outside the window or of a crime type not chosen are not eligible. Each force is drawn on its own (its
    size, its strata, its seeds), so no force's sample depends on another force being in the frame.
    """
    if definition.allocation_rule != ALLOCATION_RULE or definition.allocation_version != ALLOCATION_VERSION:
        raise FileReviewError(
            f"this draw used allocation rule {definition.allocation_rule} version {definition.allocation_version}; "
            f"this peelkit implements {ALLOCATION_RULE} version {ALLOCATION_VERSION} and cannot repeat it")
    chosen = set(definition.crime_types)
    strata: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row.crime_type in chosen and definition.window_start <= row.date_recorded <= definition.window_end:
            strata.setdefault((row.force_code, row.crime_type), []).append(row.reference)
    order = [cid for cid, _ in CRIME_TYPES if cid in chosen]
    plans = []
    for force_code in sorted(definition.sizes):
        size = definition.sizes[force_code]
        populations = [len(strata.get((force_code, c), [])) for c in order]
        allocation = allocate(size, populations)
        plans.append(ForcePlan(force_code, size, tuple(
            StratumPlan(crime, pop, k, draw_stratum(strata.get((force_code, crime), []), k, definition.seed,
                                                    force_code, crime))
            for crime, pop, k in zip(order, populations, allocation, strict=True))))
    return plans


def resolve_sizes(overrides: Mapping[str, int] | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """(sizes for every force code, the overrides by force code); forces may be named in any spelling."""
    sizes = default_sizes()
    resolved: dict[str, int] = {}
    for name, size in (overrides or {}).items():
        if size < 0:
            raise FileReviewError(f"the sample size for {name} cannot be negative (got {size})")
        resolved[forces.match_force(name).code] = size
    sizes.update(resolved)
    return sizes, resolved


def check_crime_types(crime_types: Sequence[str] | None) -> tuple[str, ...]:
    if not crime_types:
        return tuple(cid for cid, _ in CRIME_TYPES)
    chosen = []
    for text in crime_types:
        crime = match_crime_type(text)
        if crime is None:
            close = suggest(text, [cid for cid, _ in CRIME_TYPES])
            hint = f" Closest: {', '.join(close)}." if close else ""
            raise FileReviewError(f"{text!r} is not a reviewed crime type.{hint}")
        if crime not in chosen:
            chosen.append(crime)
    return tuple(cid for cid, _ in CRIME_TYPES if cid in chosen)
