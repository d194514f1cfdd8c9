"""The files `peel publish` wrote for a publication that the public may download from the web app: the national
data tables (XLSX, ODS, CSV and the notes CSV) and the manifest. They are served from the published site, so what
is downloaded is exactly what was published; only when the site on disk is this publication's (its manifest
says so) and never before the publication is public (the route checks the embargo)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from peelkit.publish.tables import CSV_NAME, NOTES_CSV_NAME, ODS_NAME, XLSX_NAME

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Download:
    name: str  # the last part of its address, and its file name
    label: str
    media_type: str
    relative: str  # its path inside the site


DOWNLOADS: tuple[Download, ...] = (
    Download(XLSX_NAME, "National data tables (XLSX spreadsheet)",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"data/{XLSX_NAME}"),
    Download(ODS_NAME, "National data tables (ODS spreadsheet)", "application/vnd.oasis.opendocument.spreadsheet",
             f"data/{ODS_NAME}"),
    Download(CSV_NAME, "Every indicator for every force (CSV)", "text/csv; charset=utf-8", f"data/{CSV_NAME}"),
    Download(NOTES_CSV_NAME, "Notes to the tables (CSV)", "text/csv; charset=utf-8", f"data/{NOTES_CSV_NAME}"),
    Download(MANIFEST, "Manifest: every input and output with its SHA-256 (JSON)", "application/json", MANIFEST),
)
BY_NAME = {d.name: d for d in DOWNLOADS}


def site_publication(site: Path) -> tuple[str | None, int]:
    """The publication the site on disk was built for (None when there is no readable manifest) and the
    manifest's modification time (pages that list the files are kept per site build)."""
    try:
        path = site / MANIFEST
        stamp = path.stat().st_mtime_ns
        publication = json.loads(path.read_text("utf-8")).get("publication")
    except (OSError, ValueError, AttributeError):
        return None, 0
    return (publication if isinstance(publication, str) else None), stamp


def published_file(site: Path, publication_id: str, name: str) -> tuple[Download, Path] | None:
    """The file of that name in the site, when the site is this publication's and the file is there."""
    download = BY_NAME.get(name)
    if download is None or site_publication(site)[0] != publication_id:
        return None
    path = site / download.relative
    return (download, path) if path.is_file() else None


def listing(site: Path, publication_id: str) -> list[dict[str, object]]:
    """The downloads of this publication in the site (empty when it was not built): name, label, address,
    size in bytes. The caller decides whether the viewer may have them (the embargo)."""
    found = []
    for download in DOWNLOADS:
        hit = published_file(site, publication_id, download.name)
        if hit is not None:
            found.append({"name": download.name, "label": download.label, "size": hit[1].stat().st_size,
                          "url": f"/publications/{publication_id}/downloads/{download.name}"})
    return found


__all__ = ["DOWNLOADS", "MANIFEST", "Download", "listing", "published_file", "site_publication"]
