"""`peel publish`: every force's report (HTML and PDF), the national data tables, an index and a manifest,
written to a temporary folder and swapped in atomically.

The site folder `DIR` is a symbolic link to a versioned folder beside it (`.DIR.site-<stamp>`); publishing
builds a new versioned folder and then replaces the link in one `rename`, so a reader (or a web server)
sees the old site or the new one, never half of each, and a publish killed part-way leaves the previous
site as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peelkit import forces
from peelkit.errors import OutputError, PeelError
from peelkit.publish.model import PublicationData

FORMATS = ("html", "pdf")
log = logging.getLogger(__name__)


class PublishError(OutputError):
    """The site could not be published; the previous site is as it was."""


@dataclass
class PublishReport:
    out: Path
    site: Path
    forces: list[str] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ one force (a worker)

_WORKER_DATA: PublicationData | None = None
_WORKER_INBOX: Any = None


def _init_worker(inbox: Any, parent_pid: int | None = None) -> None:
    # A worker starts (importing the renderers, loading the fonts and the template, starting vl-convert) while the
    # publisher loads the publication's figures. It then draws some of the base charts for the publisher, and
    # takes one copy of the figures and all the drawn charts from `inbox` before its first report: they come once
    # per worker process, not once per force, and each chart is drawn once, not per worker.
    global _WORKER_INBOX
    from peelkit.publish import pdf, report  # noqa: F401  (imported now, before waiting)
    from peelkit.publish.chart_parts import warm_up
    from peelkit.publish.workers import exit_with_parent

    if parent_pid is not None:
        exit_with_parent(parent_pid)
    _WORKER_INBOX = inbox
    pdf.compiler()
    warm_up()


def _worker_data() -> PublicationData:
    global _WORKER_DATA
    from peelkit.publish.charts import seed_bar_bases

    if _WORKER_DATA is None:
        handed = _WORKER_INBOX.get()
        if handed is None:
            raise PublishError("the publisher could not load the figures or draw the charts")
        _WORKER_DATA, drawn = handed
        seed_bar_bases(drawn)
    return _WORKER_DATA


def render_force(data: PublicationData, force_code: str, site: Path, formats: tuple[str, ...]) -> list[str]:
    """Write one force's report files into the site folder; returns their paths relative to it."""
    from peelkit.publish.charts import force_figures
    from peelkit.publish.context import force_context
    from peelkit.publish.pdf import render_force_pdf
    from peelkit.publish.report import render_force_html

    area = forces.match_force(force_code)
    stage = "charts"
    try:
        charts = force_figures(data.results, data.publication, force_code)
        stage = "report context"
        context = force_context(data, force_code, charts)  # once, for the HTML and the PDF alike
        written = []
        folder = site / "forces"
        if "html" in formats:
            stage = "HTML"
            html = render_force_html(data, force_code, charts, context=context)
            (folder / f"{area.slug}.html").write_text(html, encoding="utf-8")
            written.append(f"forces/{area.slug}.html")
        if "pdf" in formats:
            stage = "PDF"
            pdf = render_force_pdf(data, force_code, charts, context=context)
            (folder / f"{area.slug}.pdf").write_bytes(pdf)
            written.append(f"forces/{area.slug}.pdf")
        return written
    except PeelError:
        raise
    except Exception as error:  # the message must name the force and the stage that failed
        raise PublishError(f"{area.name}: the {stage} stage failed: {type(error).__name__}: {error}") from error


def _render_in_worker(force_code: str, site: str, formats: tuple[str, ...]) -> tuple[str, list[str], float]:
    data = _worker_data()
    started = time.perf_counter()
    written = render_force(data, force_code, Path(site), formats)
    return force_code, written, time.perf_counter() - started


# ------------------------------------------------------------------------------------------- the site


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_index(data: PublicationData, site: Path, force_codes: list[str], formats: tuple[str, ...]) -> None:
    from peelkit.publish.site import render_index

    data_files = sorted(p.name for p in (site / "data").iterdir()) if (site / "data").exists() else []
    (site / "index.html").write_text(render_index(data, force_codes, formats, data_files), encoding="utf-8")


def write_assets(site: Path) -> None:
    """The scripts that make the charts interactive on the web: vega-embed bundled offline by vl-convert."""
    from importlib import resources


    assets = site / "assets"
    assets.mkdir(exist_ok=True)
    (assets / "vega.js").write_text(vega_bundle(), encoding="utf-8")
    script = resources.files("peelkit.publish").joinpath("static/charts.js").read_text(encoding="utf-8")
    (assets / "charts.js").write_text(script, encoding="utf-8")


def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script, bundled offline by vl-convert. Bundling takes over a
    second and depends only on the vl-convert release, so it is kept in PEEL_HOME/cache per release."""
    import vl_convert

    from peelkit import config

    version = getattr(vl_convert, "__version__", "unknown")
    cached = config.peel_home() / "cache" / f"vega-embed-bundle-{version}.js"
    if cached.is_file():
        return cached.read_text(encoding="utf-8")
    bundle: str = vl_convert.javascript_bundle(
        "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;")
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f".{cached.name}.{os.getpid()}")
    partial.write_text(bundle, encoding="utf-8")
    os.replace(partial, cached)  # whole or absent: a reader never sees half a bundle
    return bundle


def write_manifest(data: PublicationData, site: Path, options: dict[str, Any]) -> None:
    outputs = {
        str(path.relative_to(site)): _sha256(path)
        for path in sorted(site.rglob("*")) if path.is_file() and path.name != "manifest.json"
    }
    manifest = {
        "publication": data.publication.id,
        "title": data.publication.title,
        "synthetic": data.synthetic,
        "options": options,
        "inputs": [
            {"file": s.file_name, "source": s.source, "publisher": s.publisher, "vintage": s.vintage,
             "sha256": s.sha256, "synthetic": s.synthetic}
            for s in sorted(data.sources, key=lambda s: (s.source, s.file_name))
        ],
        "outputs": outputs,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (site / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _versioned_folder(out: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return out.parent / f".{out.name}.site-{stamp}-{os.getpid()}"


def _clean_stale(out: Path, keep: Path | None) -> None:
    """Remove versioned folders no link points at (left by earlier publishes, or by one that was killed)."""
    for candidate in out.parent.glob(f".{out.name}.site-*"):
        if keep is None or candidate.resolve() != keep.resolve():
            shutil.rmtree(candidate, ignore_errors=True)


def swap_in(site: Path, out: Path) -> None:
    """Point `out` at the freshly built `site` in one atomic rename, then drop the old version."""
    if out.exists() and not out.is_symlink():
        if any(out.iterdir()):
            raise PublishError(f"{out} is a folder that peelkit did not create; publish to a new folder, or "
                               "remove it first")
        out.rmdir()
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(site.name)
    os.replace(link, out)
    _clean_stale(out, keep=site)


def _write_shared(data: PublicationData, site: Path, formats: tuple[str, ...]) -> None:
    from peelkit.publish.tables import write_national_tables

    (site / "data").mkdir()
    write_national_tables(data.results, data.publication, data.sources, site / "data", synthetic=data.synthetic)
    if "html" in formats:
        write_assets(site)


DataSource = PublicationData | Callable[[], PublicationData]


def publish(
    data: DataSource,
    out: Path,
    *,
    formats: Iterable[str] = FORMATS,
    force_codes: list[str] | None = None,
    jobs: int = 1,
    on_force: Callable[[str], None] | None = None,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
    locked: bool = False,
) -> PublishReport:
    """Build the whole site in a new folder, then swap it in; on any failure the previous site stays. One
    publish at a time per site folder: another one running makes this one wait (`wait`) or raise Busy.

    `data` may be a function that loads it: it is then called while the worker processes start.
    `locked`: the caller already holds the site lock (a background job handed it by the process that started
    it, peelkit.publish.job)."""
    from peelkit.publish.lock import site_lock

    if locked:
        return _build(data, out, formats=formats, force_codes=force_codes, jobs=jobs, on_force=on_force)
    with site_lock(out.absolute(), wait=wait, on_wait=on_wait):
        return _build(data, out, formats=formats, force_codes=force_codes, jobs=jobs, on_force=on_force)


def _loaded(data: DataSource) -> PublicationData:
    return data if isinstance(data, PublicationData) else data()


def _warm_chart_renderer() -> None:
    """Start vl-convert on a thread of its own while the figures load (one process publishing alone)."""
    import threading

    from peelkit.publish.chart_parts import warm_up

    threading.Thread(target=warm_up, name="peel-vl-convert-warm-up", daemon=True).start()


def _build(
    data: DataSource,
    out: Path,
    *,
    formats: Iterable[str],
    force_codes: list[str] | None,
    jobs: int,
    on_force: Callable[[str], None] | None,
) -> PublishReport:
    chosen = tuple(f for f in FORMATS if f in set(formats))
    if not chosen:
        raise PublishError(f"--format must name html, pdf or both, not {sorted(formats)}")
    codes = force_codes or [f.code for f in forces.forces()]
    jobs = max(1, min(jobs, len(codes)))
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    site = _versioned_folder(out)
    (site / "forces").mkdir(parents=True)
    report = PublishReport(out=out, site=site)
    try:
        if jobs == 1:
            _warm_chart_renderer()
            loaded = _loaded(data)
            for code in codes:
                began = time.perf_counter()
                render_force(loaded, code, site, chosen)
                report.timings[code] = time.perf_counter() - began
                if on_force:
                    on_force(code)
            _write_shared(loaded, site, chosen)
        else:
            loaded = _render_in_pool(data, codes, site, chosen, jobs, report, on_force)
        write_index(loaded, site, codes, chosen)
        write_manifest(loaded, site, {"formats": list(chosen), "forces": codes})
        swap_in(site, out)
    except BaseException:
        shutil.rmtree(site, ignore_errors=True)
        raise
    report.forces = codes
    report.files = sum(1 for p in site.rglob("*") if p.is_file())
    report.seconds = time.perf_counter() - started
    return report


def _render_in_pool(data: DataSource, codes: list[str], site: Path, chosen: tuple[str, ...], jobs: int,
                    report: PublishReport, on_force: Callable[[str], None] | None) -> PublicationData:
    from peelkit.publish.chart_parts import ChartError, render_svg
    from peelkit.publish.charts import bar_layouts, finish_bar_bases, start_drawing

    # Spawned, not forked: a forked child would inherit half of the threads DuckDB and the ledger reader run here.
    context = multiprocessing.get_context("spawn")
    inbox: Any = context.Queue()
    inbox.cancel_join_thread()  # a copy no worker takes must not hold up our exit
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(inbox, os.getpid())) as pool:
        pool.submit(int)  # starts the workers: they import, load fonts and start vl-convert while the figures load
        try:
            loaded = _loaded(data)
            layouts = bar_layouts(loaded.results, loaded.publication)
            # The charts are drawn by the workers (queued first, so taken first), then the reports queue behind.
            drawings = start_drawing(layouts, lambda spec: pool.submit(render_svg, spec))
            futures = [pool.submit(_render_in_worker, code, str(site), chosen) for code in codes]
            drawn = finish_bar_bases(layouts, drawings)
        except BaseException as error:
            for _worker in range(jobs):
                inbox.put(None)  # each worker stops instead of waiting for what will not come
            pool.shutdown(wait=True, cancel_futures=True)
            if isinstance(error, ChartError):  # the same chart of every force's report
                raise PublishError(f"every force: {error}") from error
            raise
        for _worker in range(jobs):
            inbox.put((loaded, drawn))
        # The national tables and scripts are written here while the workers render the reports.
        _write_shared(loaded, site, chosen)
        for future in as_completed(futures):
            code, _written, seconds = future.result()
            report.timings[code] = seconds
            if on_force:
                on_force(code)
    return loaded
