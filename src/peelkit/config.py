"""Where peelkit keeps its state and finds the official data: every setting declared once, in `SETTINGS`.

The CLI and the web app read settings only through `value()` and the helpers below, never `os.environ`
(tests/test_settings.py fails on an undeclared PEEL_* variable and on a read outside this module), and the
README's Settings table lists exactly these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from peelkit.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str  # what the code asks for: config.value("home")
    env: str  # the environment variable that sets it
    default: str | None  # as shown to people; None: unset unless given
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "PEEL_HOME", "./.peel", "Folder for the warehouse (warehouse.duckdb), the ledger database and "
            "caches. A relative path is taken from the current folder; the Makefile exports an absolute one."),
    Setting("data_dir", "PEEL_DATA_DIR", None, "Folder holding the official data files."),
    Setting("database_url", "PEEL_DATABASE_URL", None, "SQLAlchemy URL of the ledger database (PostgreSQL "
            "supported); default SQLite in PEEL_HOME."),
    Setting("secret_key", "PEEL_SECRET_KEY", None, "Signs the web app's session cookies; default a random key "
            "kept in PEEL_HOME/web-secret (mode 0600)."),
    Setting("site_dir", "PEEL_SITE_DIR", "PEEL_HOME/site", "The site folder: where `peel publish` writes by "
            "default and from which the web app serves published reports."),
    Setting("https", "PEEL_HTTPS", None, "`1` when the web app is served over HTTPS (behind a proxy): cookies get "
            "the `Secure` flag."),
    Setting("forwarded_allow_ips", "PEEL_FORWARDED_ALLOW_IPS", None, "Comma-separated addresses of reverse "
            "proxies whose X-Forwarded-For/-Proto headers `peel serve` believes (`*` for any); default none, not "
            "even loopback."),
    Setting("user", "PEEL_USER", None, "Your name in audit rows when a command's `--by` is not given; default "
            "the login name."),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = ("1", "true", "yes", "on")


def setting(name: str) -> Setting:
    """The declaration of a setting; KeyError for a name that is not declared."""
    return _BY_NAME[name]


def value(name: str) -> str | None:
    """The setting's value from the environment, None when unset or blank."""
    raw = os.environ.get(setting(name).env, "").strip()
    return raw or None


def flag(name: str) -> bool:
    return (value(name) or "").lower() in _TRUE


def peel_home() -> Path:
    return Path(value("home") or "./.peel")


def warehouse_path() -> Path:
    return peel_home() / "warehouse.duckdb"


def site_dir() -> Path:
    """PEEL_SITE_DIR, else PEEL_HOME/site: `peel publish` writes here and `peel serve` reads it."""
    site = value("site_dir")
    return Path(site) if site else peel_home() / "site"


def data_dir(required: bool = True) -> Path | None:
    raw = value("data_dir")
    if not raw:
        if required:
            raise ConfigError(
                "PEEL_DATA_DIR is not set: point it at the folder of official data files, "
                "e.g. `export PEEL_DATA_DIR=../shared/data`."
            )
        return None
    path = Path(raw)
    if required and not path.is_dir():
        raise ConfigError(f"PEEL_DATA_DIR={raw} is not a folder.")
    return path


def child_environment(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child `peel` process (a background publish): this one's, with `overrides`."""
    return {**os.environ, **(overrides or {})}
