"""The peer-group file: loaded all or nothing with every problem located, versions kept, listed."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

from peelkit import forces
from tests.helpers import run_peel, snapshot, write


def peel_fails(*args: str, code: int) -> subprocess.CompletedProcess[str]:
    out = run_peel(*args, check=False)
    assert out.returncode == code, (out.stdout, out.stderr)
    return out

HEADER = "version,valid_from,force,members,source,include_self\n"


def ring_file(path: Path, version: str = "msg-test", include_self: str = "false", step: int = 1) -> Path:
    """Each force's group is the next three forces in the registry, in a ring."""
    names = [f.name for f in forces.forces()]
    lines = [f'{version},2017-04-01,{name},"{";".join(names[(i + step * k) % 43] for k in (1, 2, 3))}",'
             f"Test MSG,{include_self}" for i, name in enumerate(names)]
    return write(path, HEADER + "\n".join(lines) + "\n")


def test_load_list_and_reload(tmp_path: Path, peel_home: Path) -> None:
    path = ring_file(tmp_path / "msg.csv")
    out = run_peel("peers", "load", str(path), "--format", "json")
    assert json.loads(out.stdout) == {"version": "msg-test", "forces": 43, "status": "loaded"}
    assert json.loads(run_peel("peers", "load", str(path), "--format", "json").stdout)["status"] == "unchanged"
    rows = json.loads(run_peel("peers", "list", "--version", "msg-test", "--format", "json").stdout)
    names = [f.name for f in forces.forces()]
    first = next(r for r in rows if r["force_name"] == names[0])
    assert first["member_names"] == "; ".join(names[1:4]) and first["include_self"] is False
    assert first["source"] == "Test MSG" and first["valid_from"] == "2017-04-01"
    csv_out = run_peel("peers", "list", "--version", "msg-test", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "version,force_code,force_name,members,member_names,include_self,source,valid_from"
    assert len(csv_out) == 44
    table = run_peel("peers", "list", "--version", "msg-test").stdout
    assert "versions available: computed, msg-test" in table


def test_changed_groups_under_a_kept_version_are_refused(tmp_path: Path, peel_home: Path) -> None:
    run_peel("peers", "load", str(ring_file(tmp_path / "a.csv")))
    before = snapshot(peel_home / "warehouse.duckdb")
    out = peel_fails("peers", "load", str(ring_file(tmp_path / "b.csv", step=2)), "--format", "json", code=4)
    assert json.loads(out.stdout)["problems"][0]["code"] == "vintage-conflict"
    assert snapshot(peel_home / "warehouse.duckdb") == before
    out = run_peel("peers", "load", str(ring_file(tmp_path / "c.csv", version="msg-2", step=2)))
    assert "loaded peer-group version 'msg-2'" in out.stdout


def test_every_problem_is_located_and_nothing_is_loaded(tmp_path: Path, peel_home: Path) -> None:
    rows = list(csv.reader(ring_file(tmp_path / "good.csv").read_text().splitlines()))
    rows[1][1] = "2017-13-01"  # file row 2: bad date
    rows[2][5] = "perhaps"  # row 3: bad flag
    rows[3][2] = "Atlantis"  # row 4: unknown force
    rows[4][3] = "Gotham;" + rows[4][3]  # row 5: unknown member
    rows[6][2] = rows[5][2]  # row 7: the force of row 6 again
    del rows[10]  # and so one more force without a row
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    run_peel("peers", "load", str(ring_file(tmp_path / "other.csv", version="kept")))
    before = snapshot(peel_home / "warehouse.duckdb")
    out = peel_fails("peers", "load", str(path), "--format", "json", code=4)
    problems = json.loads(out.stdout)["problems"]
    found = {(p["code"], p["row"], p["column"]) for p in problems}
    assert {("bad-date", 2, "valid_from"), ("unexpected-value", 3, "include_self"), ("unknown-force", 4, "force"),
            ("unknown-force", 5, "members"), ("duplicate-key", 7, "force")} <= found
    absent = next(p for p in problems if p["code"] == "missing-force")
    assert "3 of the 43 forces have no row" in absent["message"]  # Atlantis's, row 7's and the deleted row's
    assert all(p["file"] == str(path) for p in problems)
    assert snapshot(peel_home / "warehouse.duckdb") == before


def test_header_and_self_membership_problems(tmp_path: Path, peel_home: Path) -> None:
    out = peel_fails("peers", "load", str(write(tmp_path / "h.csv", "version,force,members\nx,Kent,Essex\n")),
                   "--format", "json", code=4)
    missing = {p["column"] for p in json.loads(out.stdout)["problems"] if p["code"] == "missing-column"}
    assert missing == {"valid_from", "source", "include_self"}
    body = HEADER + "v,2017-01-01,Kent,Kent;Essex,src,false\n"
    out = peel_fails("peers", "load", str(write(tmp_path / "s.csv", body)), "--format", "json", code=4)
    assert any(p["code"] == "unexpected-value" and p["column"] == "members" and p["row"] == 2
               for p in json.loads(out.stdout)["problems"])
    body = HEADER + "computed,2017-01-01,Kent,Essex,src,false\n"
    out = peel_fails("peers", "load", str(write(tmp_path / "c.csv", body)), "--format", "json", code=4)
    assert any(p["column"] == "version" for p in json.loads(out.stdout)["problems"])


def test_unknown_version_names_the_known_ones(peel_home: Path) -> None:
    out = peel_fails("peers", "list", "--version", "nope", code=2)
    assert "no peer-group version 'nope'" in out.stderr and "computed" in out.stderr
