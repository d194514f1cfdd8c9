"""kill -9 at random moments (issue 13): during `peel data import` the warehouse is afterwards exactly as before
or exactly as after a complete import; during `peel publish --jobs 2` the site is the old one or the new one,
whole (every file as its manifest says), never half; and no process is left behind (the report workers die
with their parent, issue 13, 7). Ten kill points each, drawn from a seeded generator spread over the time a
complete run takes (PEEL_KILL_SEED picks another draw)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import duckdb
import pytest

from tests.hardening.world import PEEL, make_home, publish_args, rolling_file, run, site_is_whole, start

pytestmark = pytest.mark.slow
KILLS = 10
SEED = int(os.environ.get("PEEL_KILL_SEED", "2017"))


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (read from /proc: children of children too)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_at(args: list[str], env: dict[str, str], after: float) -> tuple[int, set[int]]:
    """Start `args`, kill -9 it `after` seconds later; returns its exit status and the processes it had made."""
    process = start(args, env)
    time.sleep(after)
    children = descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return process.returncode, children


def assert_no_orphans(children: set[int], where: str) -> None:
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)], f"{where}: processes left behind"


def restore(pristine: Path, warehouse: Path) -> None:
    # The write-ahead log a killed import may leave belongs to the file being replaced: it goes too, or DuckDB
    # would replay it onto the restored copy.
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    shutil.copy(pristine, warehouse)


def warehouse_state(path: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (con.execute("SELECT count(*), sum(hash(sha256, row_count, vintage)) FROM imports").fetchone(),
                con.execute("SELECT count(*), sum(hash(COLUMNS(* EXCLUDE (import_id)))) FROM facts").fetchone())
    finally:
        con.close()


def test_kill_9_during_import_leaves_the_warehouse_before_or_after(tmp_path: Path) -> None:
    env = make_home(tmp_path / "home")
    data = rolling_file(tmp_path / "rolling.csv", 20_000)
    warehouse = tmp_path / "home" / "warehouse.duckdb"
    pristine = tmp_path / "pristine.duckdb"
    shutil.copy(warehouse, pristine)
    before = warehouse_state(warehouse)
    began = time.monotonic()
    done = run([*PEEL, "data", "import", str(data)], env)
    took = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    after = warehouse_state(warehouse)
    assert after != before
    draw = random.Random(SEED)
    outcomes = []
    for _ in range(KILLS):
        restore(pristine, warehouse)
        moment = draw.uniform(0.05, 1.0) * took
        code, children = kill_at([*PEEL, "data", "import", str(data)], env, moment)
        state = warehouse_state(warehouse)
        assert state in (before, after), f"killed at {moment:.2f} s: the warehouse is neither before nor after"
        assert_no_orphans(children, f"import killed at {moment:.2f} s")
        outcomes.append(("after" if state == after else "before", round(moment, 2), code))
    print(f"\nimport ({took:.1f} s complete), seed {SEED}: {outcomes}")
    # Then the warehouse takes the same import again normally: no lock or half-state was left behind.
    restore(pristine, warehouse)
    again = run([*PEEL, "data", "import", str(data)], env)
    assert again.returncode == 0 and warehouse_state(warehouse) == after, again.stderr


def test_kill_9_during_publish_leaves_the_old_or_the_new_site_and_no_workers(tmp_path: Path) -> None:
    env = make_home(tmp_path / "home")
    out = tmp_path / "site"
    args = publish_args(out)
    args[args.index("--jobs") + 1] = "2"
    began = time.monotonic()
    first = run(args, env, timeout=300)
    took = time.monotonic() - began
    assert first.returncode == 0, first.stderr
    old = json.loads((out / "manifest.json").read_text())
    seen = {old["generated_at"]}
    draw = random.Random(SEED + 1)
    outcomes = []
    for _ in range(KILLS):
        moment = draw.uniform(0.05, 0.9) * took
        code, children = kill_at(args, env, moment)
        assert site_is_whole(out), f"killed at {moment:.2f} s: the site is not one whole build"
        current = json.loads((out / "manifest.json").read_text())
        assert current["outputs"] == old["outputs"], f"killed at {moment:.2f} s: the site is neither old nor new"
        assert_no_orphans(children, f"publish killed at {moment:.2f} s ({len(children)} processes)")
        outcomes.append(("new" if current["generated_at"] not in seen else "old", round(moment, 2),
                         len(children), code))
        seen.add(current["generated_at"])
    print(f"\npublish --jobs 2 ({took:.1f} s complete), seed {SEED + 1}: {outcomes}")
    assert any(n >= 2 for _state, _moment, n, _code in outcomes), "no kill point caught the workers running"
    # The lock was released and the stale builds of the killed runs are cleared by the next publish.
    again = run([*PEEL, "publish", "--format", "html", "--force", "Kent", "--jobs", "1", "--out", str(out)], env,
                timeout=300)
    assert again.returncode == 0 and site_is_whole(out), again.stderr
    assert [p.resolve() for p in tmp_path.glob(".site.site-*")] == [out.resolve()]
