"""Test helpers: import files into a scratch warehouse and assert on the outcome."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import pytest

from peelkit import warehouse
from peelkit.findings import Finding, ImportFailed
from peelkit.importer import ImportReport, import_paths


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(db: Path) -> dict[str, object]:
    """Every table's rows, to prove a failed import changed nothing."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
        # Row count plus an order-independent hash of every column: cheap even for millions of rows.
        return {
            t: con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {t}").fetchall() for t in sorted(tables)
        }
    finally:
        con.close()


def load(db: Path, *paths: Path, vintage: str | None = None, keep_street_records: bool = False) -> ImportReport:
    return import_paths(list(paths), vintage=vintage, db_path=db, keep_street_records=keep_street_records)


def load_fails(db: Path, *paths: Path, vintage: str | None = None) -> list[Finding]:
    """Import that must fail; returns the findings and checks the warehouse is exactly as before."""
    warehouse.connect(db).close()  # the schema exists before, so "unchanged" is a real comparison
    before = snapshot(db)
    with pytest.raises(ImportFailed) as caught:
        import_paths(list(paths), vintage=vintage, db_path=db)
    assert snapshot(db) == before, "a failed import changed the warehouse"
    return caught.value.findings


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def run_peel(*args: str, stdin: str | None = None, check: bool = True, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `peel ARGS` as its own process, the way people run it (the current PEEL_HOME and database URL)."""
    completed = subprocess.run([sys.executable, "-m", "peelkit.cli", *args], input=stdin, capture_output=True,
                               text=True, env={**os.environ, **(env or {})}, timeout=300, cwd=cwd)
    if check and completed.returncode != 0:
        raise AssertionError(f"peel {' '.join(args)} exited {completed.returncode}:\n{completed.stdout}\n"
                             f"{completed.stderr}")
    return completed


def post_login(browser: httpx.Client, name: str, password: str,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """Sign an httpx client in as a browser does against a real server: the form's CSRF token, then POST
    /login; returns the answer (303 when it worked)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
    assert token, "no sign-in form"
    return browser.post("/login", headers=headers or {}, data={"name": name, "password": password,
                                                               "next": "/account", "csrf_token": token.group(1)})


def http_status(url: str) -> int:
    """The HTTP status of a GET (0 when nothing answers)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@contextmanager
def peel_serve(env: dict[str, str], start_seconds: float = 60, args: tuple[str, ...] = ()) -> Iterator[str]:
    """`peel serve` as a process of its own (as in use) on a free loopback port with this environment; yields
    its base URL once it answers, and stops it (its whole process group) afterwards."""
    import signal
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen([sys.executable, "-m", "peelkit.cli", "serve", "--port", str(port), *args],
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while http_status(base + "/") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("peel serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
