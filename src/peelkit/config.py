"""Where peelkit keeps its state and finds the official data (environment settings, declared once)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from peelkit.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("PEEL_HOME", "./.peel", "Folder for the warehouse (warehouse.duckdb) and the ledger database."),
    Setting("PEEL_DATA_DIR", None, "Folder holding the official data files (see ../shared/data/README.md)."),
    Setting("PEEL_DATABASE_URL", None, "SQLAlchemy URL of the ledger database; default SQLite in PEEL_HOME."),
    Setting("PEEL_SECRET_KEY", None, "Key that signs the web app's session cookies; default a random key kept in "
            "PEEL_HOME/web-secret (readable by its owner only)."),
    Setting("PEEL_SITE_DIR", "PEEL_HOME/site", "A `peel publish` output the web app serves published reports from."),
    Setting("PEEL_HTTPS", None, "Set to 1 when the web app is served over HTTPS (cookies get the Secure flag)."),
    Setting("PEEL_FORWARDED_ALLOW_IPS", None, "Addresses of reverse proxies whose X-Forwarded-For/-Proto headers "
            "`peel serve` believes (comma-separated, `*` for any); default none, not even loopback."),
)


def peel_home() -> Path:
    return Path(os.environ.get("PEEL_HOME") or "./.peel")


def warehouse_path() -> Path:
    return peel_home() / "warehouse.duckdb"


def data_dir(required: bool = True) -> Path | None:
    value = os.environ.get("PEEL_DATA_DIR")
    if not value:
        if required:
            raise ConfigError(
                "PEEL_DATA_DIR is not set: point it at the folder of official data files, "
                "e.g. `export PEEL_DATA_DIR=../shared/data`."
            )
        return None
    path = Path(value)
    if required and not path.is_dir():
        raise ConfigError(f"PEEL_DATA_DIR={value} is not a folder.")
    return path
