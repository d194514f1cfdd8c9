"""One writer at a time (issue 13, 5 and 6): two `peel publish` runs to one folder, or two `peel data import`
runs into one warehouse, no longer break each other; the second waits (--wait) or stops at once with exit code 7
and a clear message. Real processes throughout."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from peelkit.locks import Busy, exclusive
from peelkit.publish.lock import lock_file
from tests.hardening.world import PEEL, make_home, publish_args, rolling_file, run, site_is_whole, start


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return make_home(tmp_path / "home")


def test_a_second_publish_is_refused_clearly_or_waits(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "site"
    with exclusive(lock_file(out), "test holding the site"):
        refused = run(publish_args(out), env)
        assert refused.returncode == Busy.exit_code, refused.stderr
        assert "another `peel publish`" in refused.stderr and "--wait" in refused.stderr
        assert "Traceback" not in refused.stderr and not out.exists()
        waiting = start(publish_args(out, "--wait"), env)
        time.sleep(2)
        assert waiting.poll() is None, waiting.communicate()  # still waiting for the lock
    _stdout, stderr = waiting.communicate(timeout=180)
    assert waiting.returncode == 0, stderr
    assert site_is_whole(out)


def test_two_publishes_at_once_both_finish_and_leave_one_whole_site(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "site"
    first, second = start(publish_args(out, "--wait"), env), start(publish_args(out, "--wait"), env)
    for process in (first, second):
        _stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    assert site_is_whole(out)
    builds = list(tmp_path.glob(".site.site-*"))
    assert [b.resolve() for b in builds] == [out.resolve()]  # the other build was removed after the swap


def test_a_second_import_is_refused_clearly_or_waits(tmp_path: Path, env: dict[str, str]) -> None:
    home = Path(env["PEEL_HOME"])
    data = rolling_file(tmp_path / "rolling.csv", 3)
    with exclusive(home / "warehouse.duckdb.lock", "test holding the warehouse"):
        refused = run([*PEEL, "data", "import", str(data)], env)
        assert refused.returncode == Busy.exit_code, refused.stderr
        assert "another `peel data import`" in refused.stderr and "Traceback" not in refused.stderr
        waiting = start([*PEEL, "data", "import", str(data), "--wait"], env)
        time.sleep(2)
        assert waiting.poll() is None
    stdout, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0 and "loaded" in stdout, stderr


def test_two_imports_at_once_both_load(tmp_path: Path, env: dict[str, str]) -> None:
    files = [rolling_file(tmp_path / f"rolling-{n}.csv", 2000, count=n) for n in (1, 2)]
    # Two different releases of the same figures, each named by its own vintage, imported at the same moment:
    # the second waits for the first (before, DuckDB's lock traceback), then both are loaded.
    first = start([*PEEL, "data", "import", str(files[0]), "--wait", "--vintage", "2017-03-01"], env)
    second = start([*PEEL, "data", "import", str(files[1]), "--wait", "--vintage", "2017-03-02"], env)
    for process in (first, second):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0 and "loaded" in stdout, stderr
    con = duckdb.connect(env["PEEL_HOME"] + "/warehouse.duckdb", read_only=True)
    vintages = {row[0] for row in con.execute("SELECT vintage FROM imports").fetchall()}
    con.close()
    assert {"2017-03-01", "2017-03-02"} <= vintages


def test_a_command_meeting_a_busy_warehouse_says_so(env: dict[str, str]) -> None:
    holder = start([PEEL[0], "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                    "print('open', flush=True); time.sleep(60)", env["PEEL_HOME"] + "/warehouse.duckdb"], env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        status = run([*PEEL, "data", "status"], env)
        assert status.returncode == Busy.exit_code, status.stderr
        assert "in use by another process" in status.stderr and "Traceback" not in status.stderr
    finally:
        holder.kill()
        holder.wait()
