"""Case-file review: a sampling frame of recorded crimes, a reproducible stratified random sample of files per
force, each file's answers to the review criteria, and a summary per force and criterion ("18 of 19", a Wilson
interval and the small-sample caveat).

The sample is reproducible from what the draw stores: the frame, the seed, the date window, the crime types,
the per-force sizes and the allocation rule (name and version). Within each force the size is allocated across
the crime-type strata in proportion to their size (largest remainder, at least one per non-empty stratum where
the size allows), and each stratum is drawn with its own random generator seeded from (seed, force, crime type)
over the stratum's references in a fixed sort order. See `plan_draw`.

Modules: ``rules`` (crime types, criteria, sizes, caveats), ``models`` (the tables), ``frame`` (importing a frame;
a bad file raises :class:`peelkit.findings.ImportFailed`), ``sampling`` (the pure draw plan), ``draws`` (storing,
repeating and reading a draw), ``answers``, ``summary`` and ``demo``. Every public name is importable from
``peelkit.ledger.file_review``.
"""

from __future__ import annotations

from peelkit.ledger.file_review.answers import find_sampled_file, record_answer
from peelkit.ledger.file_review.demo import DEMO_COLUMNS, demo_answers, generate_demo_frame
from peelkit.ledger.file_review.draws import (
    SampledFileRow,
    draw_files,
    draw_forces,
    draw_sample,
    draw_strata,
    get_draw,
    get_frame,
    redraw,
    stored_sample,
    verify_draw,
)
from peelkit.ledger.file_review.frame import (
    REQUIRED_COLUMNS,
    SYNTHETIC_COLUMN,
    FrameRow,
    import_frame,
    parse_date,
    read_frame,
)
from peelkit.ledger.file_review.models import (
    DrawForce,
    DrawStratum,
    FrameRecord,
    ReviewAnswer,
    SampledFile,
    SampleDraw,
    SamplingFrame,
)
from peelkit.ledger.file_review.rules import (
    ALLOCATION_RULE,
    ALLOCATION_VERSION,
    ANSWERS,
    CONFIDENCE,
    CRIME_TYPE_ALIASES,
    CRIME_TYPES,
    CRIME_TYPES_2017,
    CRITERIA,
    DEFAULT_SIZE,
    LARGE_FORCE_SIZE,
    LARGE_FORCES,
    POOLED_NOTE,
    SMALL_BASE,
    SMALL_BASE_CAVEAT,
    WINDOW_2017,
    FileReviewError,
    crime_type_label,
    criterion_text,
    default_sizes,
    match_crime_type,
)
from peelkit.ledger.file_review.sampling import (
    DrawDefinition,
    ForcePlan,
    StratumPlan,
    allocate,
    draw_stratum,
    force_note,
    plan_draw,
    resolve_sizes,
    stratum_seed,
)
from peelkit.ledger.file_review.summary import SummaryLine, summarise, summary_line

__all__ = [
    "ALLOCATION_RULE",
    "ALLOCATION_VERSION",
    "ANSWERS",
    "CONFIDENCE",
    "CRIME_TYPES",
    "CRIME_TYPES_2017",
    "CRIME_TYPE_ALIASES",
    "CRITERIA",
    "DEFAULT_SIZE",
    "DEMO_COLUMNS",
    "LARGE_FORCES",
    "LARGE_FORCE_SIZE",
    "POOLED_NOTE",
    "REQUIRED_COLUMNS",
    "SMALL_BASE",
    "SMALL_BASE_CAVEAT",
    "SYNTHETIC_COLUMN",
    "WINDOW_2017",
    "DrawDefinition",
    "DrawForce",
    "DrawStratum",
    "FileReviewError",
    "ForcePlan",
    "FrameRecord",
    "FrameRow",
    "ReviewAnswer",
    "SampleDraw",
    "SampledFile",
    "SampledFileRow",
    "SamplingFrame",
    "StratumPlan",
    "SummaryLine",
    "allocate",
    "crime_type_label",
    "criterion_text",
    "default_sizes",
    "demo_answers",
    "draw_files",
    "draw_forces",
    "draw_sample",
    "draw_strata",
    "draw_stratum",
    "find_sampled_file",
    "force_note",
    "generate_demo_frame",
    "get_draw",
    "get_frame",
    "import_frame",
    "match_crime_type",
    "parse_date",
    "plan_draw",
    "read_frame",
    "record_answer",
    "redraw",
    "resolve_sizes",
    "stored_sample",
    "stratum_seed",
    "summarise",
    "summary_line",
    "verify_draw",
]
