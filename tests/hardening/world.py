"""A small PEEL_HOME for tests that run real `peel` processes: the four-force warehouse and ledger of
tests/publish/test_report.py, and a helper to run or start `peel` against it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.publish.test_report import build_ledger, build_warehouse

PEEL = [sys.executable, "-m", "peelkit.cli"]
ROLLING_HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


def make_home(home: Path) -> dict[str, str]:
    """Build the world in `home`; returns the environment for `peel` processes using it."""
    from peelkit.ledger import db

    home.mkdir(parents=True, exist_ok=True)
    build_warehouse(home / "warehouse.duckdb")
    from peelkit import warehouse

    con = warehouse.connect(home / "warehouse.duckdb")
    # build_warehouse writes its import rows directly: move the id sequence past them for later imports.
    (highest,) = con.execute("SELECT coalesce(max(import_id), 0) FROM imports").fetchone() or (0,)
    warehouse.allocate_import_ids(con, int(highest))
    con.close()
    url = f"sqlite:///{home / 'ledger.sqlite3'}"
    build_ledger(url)
    db.engine_for(url).dispose()
    return env_for(home)


def env_for(home: Path) -> dict[str, str]:
    return {**os.environ, "PEEL_HOME": str(home), "PEEL_DATABASE_URL": f"sqlite:///{home / 'ledger.sqlite3'}",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src") + os.pathsep
            + str(Path(__file__).resolve().parents[2])}


def publish_args(out: Path, *extra: str) -> list[str]:
    return [*PEEL, "publish", "--format", "html", "--force", "Warwickshire", "--force", "Kent", "--jobs", "1",
            "--out", str(out), *extra]


def run(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def site_is_whole(out: Path) -> bool:
    """Every output the manifest lists is there with its hash, and nothing else (the site is one build)."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    if files != set(manifest["outputs"]):
        return False
    return all(hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
               for name, digest in manifest["outputs"].items())


def rolling_file(path: Path, offences: int, count: int = 7) -> Path:
    rows = [f"31-03-2017,Kent,South East,Offence {n},{count + n}" for n in range(offences)]
    path.write_text(ROLLING_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path
