"""Peer groups as data: the peer-group file format, its checks, and the versions kept in the warehouse.

A peer-group file is a CSV with one row per force (all 43 forces), for one version of the groups:

    version,valid_from,force,members,source,include_self
    msg-2017,2017-04-01,Warwickshire,Dyfed-Powys;West Mercia;...,Home Office MSG 2017,false

`members` lists the force's peers (names or GSS codes, any spelling a source uses), separated by `;`;
`include_self` says whether the force's own figure is pooled into its group's figure. A load is checked like
any import: every problem is listed with its row and column, and nothing is kept unless the whole file is
clean. A version is kept beside the others; a publication names the version it uses (`peer_groups = ...`).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from peelkit import forces
from peelkit.errors import InputError
from peelkit.findings import Finding, ImportFailed, Problems

COLUMNS = ("version", "valid_from", "force", "members", "source", "include_self")
COMPUTED = "computed"
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}

DDL = (
    """CREATE TABLE IF NOT EXISTS peer_group_versions (
        version VARCHAR PRIMARY KEY, valid_from DATE, source VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS peer_group_members (
        version VARCHAR NOT NULL, force_code VARCHAR NOT NULL, member_code VARCHAR NOT NULL,
        include_self BOOLEAN NOT NULL, position INTEGER NOT NULL)""",
)


class PeerGroupError(InputError):
    """An unknown peer-group version, or a peer-group file that cannot be used."""


@dataclass(frozen=True)
class PeerGroup:
    """One force's peers in one version of the groups."""

    version: str
    force_code: str
    members: tuple[str, ...]  # the peers, not the force itself
    include_self: bool
    source: str
    valid_from: date | None = None

    @property
    def pooled_codes(self) -> tuple[str, ...]:
        """The forces whose figures make the group's figure."""
        return (self.force_code, *self.members) if self.include_self else self.members


@dataclass(frozen=True)
class LoadReport:
    version: str
    forces: int
    status: str  # "loaded" or "unchanged"


def _bool(text: str) -> bool | None:
    low = text.strip().lower()
    return True if low in _TRUE else False if low in _FALSE else None


def _force(text: str, problems: Problems, row: int, column: str) -> str | None:
    try:
        return forces.match_force(text.strip()).code
    except forces.UnknownAreaError as error:
        problems.problem("unknown-force", str(error), row=row, column=column, value=text,
                         expected="one of the 43 territorial forces")
        return None


def _check_row(row: int, fields: dict[str, str], problems: Problems, groups: dict[str, PeerGroup]) -> None:
    for column in COLUMNS:
        if column != "valid_from" and not fields.get(column, "").strip():
            problems.problem("blank-value", f"{column} is blank", row=row, column=column)
    version, source = fields.get("version", "").strip(), fields.get("source", "").strip()
    if version == COMPUTED:
        problems.problem("unexpected-value", "the version name 'computed' is kept for peelkit's own groups",
                         row=row, column="version", value=version, expected="another name")
    valid_from = None
    if fields.get("valid_from", "").strip():
        try:
            valid_from = date.fromisoformat(fields["valid_from"].strip())
        except ValueError:
            problems.problem("bad-date", "valid_from is not a date", row=row, column="valid_from",
                             value=fields["valid_from"], expected="YYYY-MM-DD")
    include_self = _bool(fields.get("include_self", ""))
    if include_self is None and fields.get("include_self", "").strip():
        problems.problem("unexpected-value", "include_self must be true or false", row=row,
                         column="include_self", value=fields["include_self"], expected="true or false")
    code = _force(fields["force"], problems, row, "force") if fields.get("force", "").strip() else None
    members: list[str] = []
    for text in (m for m in fields.get("members", "").split(";") if m.strip()):
        member = _force(text, problems, row, "members")
        if member is None:
            continue
        if member == code:
            problems.problem("unexpected-value", "a force is not its own peer: set include_self to count it",
                             row=row, column="members", value=text, expected="other forces")
        elif member in members:
            problems.problem("duplicate-key", "a member is listed twice", row=row, column="members", value=text)
        else:
            members.append(member)
    if code is not None and code in groups:
        problems.problem("duplicate-key", "this force already has a row in the file", row=row,
                         column="force", value=fields["force"], expected="one row per force")
    elif code is not None:
        groups[code] = PeerGroup(version, code, tuple(members), bool(include_self), source, valid_from)


def read_file(path: Path) -> tuple[list[PeerGroup], str]:
    """Every row of a peer-group file (read with the shared CSV reader), checked; raises ImportFailed listing every
    problem found."""
    from peelkit.sources._csv import CsvRows

    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise PeerGroupError(f"{path}: cannot read the file: {error}") from error
    problems = Problems(str(path))
    groups: dict[str, PeerGroup] = {}
    read_any = False
    for number, values in CsvRows(path, problems, list(COLUMNS)):
        read_any = True
        _check_row(number, values, problems, groups)
    if read_any:
        _check_file(list(groups.values()), problems)
    problems.raise_if_any()
    return list(groups.values()), digest


def _check_file(groups: list[PeerGroup], problems: Problems) -> None:
    versions = sorted({g.version for g in groups})
    if len(versions) > 1:
        problems.problem("unexpected-value", f"a file holds one version; found {', '.join(versions)}",
                         column="version", expected="the same version on every row")
    present = {g.force_code for g in groups}
    absent = [f.name for f in forces.forces() if f.code not in present]
    if groups and absent:
        problems.problem("missing-force", f"{len(absent)} of the 43 forces have no row: {', '.join(absent)}",
                         column="force", expected="one row for each of the 43 forces")
    for group in groups:
        if not group.members:
            problems.problem("blank-value", f"{forces.match(group.force_code).name} has no peers", column="members",
                             expected="at least one other force")
    if not groups:
        problems.problem("empty-file", "the file has no usable rows", expected="one row for each of the 43 forces")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def load(con: duckdb.DuckDBPyConnection, path: Path) -> LoadReport:
    """Check a peer-group file and keep its version, all or nothing. The same file again is `unchanged`;
    different groups under a version already kept are refused."""
    groups, digest = read_file(path)
    version = groups[0].version
    ensure_tables(con)
    previous = con.execute("SELECT sha256 FROM peer_group_versions WHERE version = ?", [version]).fetchone()
    if previous is not None:
        if previous[0] == digest:
            return LoadReport(version, len(groups), "unchanged")
        raise ImportFailed([Finding("vintage-conflict", f"version {version!r} is already loaded from another file",
                                    str(path), column="version", value=version,
                                    expected="a new version name for changed groups")])
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("INSERT INTO peer_group_versions VALUES (?, ?, ?, ?, ?, ?)",
                    [version, groups[0].valid_from, groups[0].source, path.name, digest,
                     datetime.now(UTC).replace(tzinfo=None)])
        con.executemany("INSERT INTO peer_group_members VALUES (?, ?, ?, ?, ?)",
                        [[version, g.force_code, m, g.include_self, i] for g in groups
                         for i, m in enumerate(g.members)])
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return LoadReport(version, len(groups), "loaded")


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'peer_group_members'"
                      ).fetchone()
    return bool(row and row[0])


def versions(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """The versions kept, oldest first."""
    if not _has_tables(con):
        return []
    rows = con.execute("SELECT version, valid_from, source, file_name, sha256, loaded_at FROM peer_group_versions "
                       "ORDER BY loaded_at, version").fetchall()
    return [dict(zip(("version", "valid_from", "source", "file_name", "sha256", "loaded_at"), r, strict=True))
            for r in rows]


def stored(con: duckdb.DuckDBPyConnection, version: str) -> dict[str, PeerGroup]:
    """A loaded version's groups by force code; PeerGroupError naming the versions kept when it is unknown."""
    kept = {str(v["version"]): v for v in versions(con)}
    if version not in kept:
        known = ", ".join([COMPUTED, *kept]) or COMPUTED
        raise PeerGroupError(f"no peer-group version {version!r} is loaded; known: {known} "
                             "(load one with `peel peers load FILE`)")
    meta = kept[version]
    members: dict[str, list[str]] = {}
    include: dict[str, bool] = {}
    for code, member, include_self in con.execute(
            "SELECT force_code, member_code, include_self FROM peer_group_members WHERE version = ? "
            "ORDER BY force_code, position", [version]).fetchall():
        members.setdefault(code, []).append(member)
        include[code] = bool(include_self)
    valid_from = meta["valid_from"] if isinstance(meta["valid_from"], date) else None
    return {code: PeerGroup(version, code, tuple(m), include[code], str(meta["source"]), valid_from)
            for code, m in members.items()}


__all__ = ["COLUMNS", "COMPUTED", "LoadReport", "PeerGroup", "PeerGroupError", "ensure_tables", "load", "read_file",
           "stored", "versions"]
