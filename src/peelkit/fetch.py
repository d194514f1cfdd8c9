"""`peel data fetch`: download the official files from their publishers (for real users, never for tests)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from peelkit.errors import OfflineError


@dataclass(frozen=True)
class Download:
    url: str
    target: str  # path under PEEL_DATA_DIR


_ONS = ("https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/crimeandjustice/datasets/"
        "policeforceareadatatables/{release}/{name}")

# Files with a stable direct address at their publisher. The Home Office tables and data.police.uk
# archives move with each release; their pages are listed in MANUAL_PAGES for the user to download.
DOWNLOADS: tuple[Download, ...] = (
    Download(_ONS.format(release="yearendingmarch2018", name="policeforceareatablesyearendingmarch2018v2.xlsx"),
             "ons/policeforceareatablesyearendingmarch2018v2.xlsx"),
    Download(_ONS.format(release="yearendingmarch2019", name="policeforceareatablesyeendingmarch2019.xlsx"),
             "ons/policeforceareatablesyeendingmarch2019.xlsx"),
)

MANUAL_PAGES: tuple[str, ...] = (
    "https://www.gov.uk/government/statistics/police-recorded-crime-open-data-tables",
    "https://www.gov.uk/government/statistics/police-recorded-crime-and-outcomes-open-data-tables",
    "https://data.police.uk/data/",
    "https://geoportal.statistics.gov.uk/ (Police Force Areas, December 2016, ultra generalised clipped)",
)


def reachable(url: str, timeout: float = 3.0) -> bool:
    host = urlparse(url).hostname or ""
    try:
        socket.getaddrinfo(host, 443)
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def fetch_all(dest: Path, timeout: float = 30.0) -> list[Path]:
    """Download every file; fails fast, before writing anything, when the publishers cannot be reached."""
    hosts = sorted({urlparse(d.url).hostname or "" for d in DOWNLOADS})
    unreachable = [h for h in hosts if not reachable(f"https://{h}/")]
    if unreachable:
        raise OfflineError(
            "cannot reach the publishers (" + ", ".join(unreachable) + "): this machine appears to be "
            "offline. Nothing was downloaded. Copy the official files into PEEL_DATA_DIR by hand "
            "(see the data README for the list) and run `peel data import`."
        )
    written = []
    for item in DOWNLOADS:
        target = dest / item.target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        try:
            with urllib.request.urlopen(item.url, timeout=timeout) as response, partial.open("wb") as out:
                while block := response.read(1 << 20):
                    out.write(block)
        except (urllib.error.URLError, OSError) as error:
            partial.unlink(missing_ok=True)
            raise OfflineError(f"downloading {item.url} failed: {error}") from error
        partial.replace(target)
        written.append(target)
    return written
