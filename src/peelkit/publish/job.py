"""`peel publish` as a background job, for the web's publication control: one at a time per site folder, its
progress in a status file beside the site (so it survives page reloads and server restarts), a failure kept
with its message.

The process that starts the job takes the site lock (peelkit.publish.lock) itself, so a second start, or a
`peel publish` from the command line meanwhile, is refused at once; it hands the locked file to the job's
process, which holds it until it exits, however it exits. A status that says "running" while nobody holds the
lock is a job that died: it is reported as failed (the previous site is untouched, as after any failed
publish)."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peelkit import config
from peelkit.locks import Busy
from peelkit.publish.lock import lock_file

# Started jobs, so their exit is collected (no zombie processes in a long-running server).
_CHILDREN: list[subprocess.Popen[bytes]] = []


def status_path(out: Path) -> Path:
    return out.parent / f".{out.name}.job.json"


def log_path(out: Path) -> Path:
    return out.parent / f".{out.name}.job.log"


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_status(out: Path, **values: Any) -> None:
    """Replace the status file whole (a reader never sees half of it)."""
    path = status_path(out)
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _lock_held(out: Path) -> bool:
    path = lock_file(out)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the lock if it was taken here
    return False


def read_status(out: Path) -> dict[str, Any] | None:
    """The last job's status (None if none ever ran); a "running" job whose process has gone is "failed"."""
    for child in list(_CHILDREN):
        if child.poll() is not None:
            _CHILDREN.remove(child)
    path = status_path(out.absolute())
    found: dict[str, Any] | None = None
    for _attempt in range(2):  # a job that just finished leaves the lock before its last status is read
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            found = None
            continue
        if found is None or found.get("state") != "running" or _lock_held(out.absolute()):
            return found
    if found is not None and found.get("state") == "running":
        found = {**found, "state": "failed", "finished_at": None,
                 "message": "The publish stopped before it finished (its process ended). The site is unchanged."}
    return found


@dataclass(frozen=True)
class JobRequest:
    out: Path
    publication_id: str
    warehouse_path: Path
    by: str
    formats: tuple[str, ...] = ("html", "pdf")
    jobs: int = 1


def start(request: JobRequest, ledger_url: str | None = None) -> dict[str, Any]:
    """Start the job, or raise Busy when a publish to this folder is running; returns its first status."""
    out = request.out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file(out), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"a publish to {out} is already running; wait for it to finish, then start another") from None
        from peelkit import forces

        status = {"state": "running", "publication": request.publication_id, "by": request.by,
                  "started_at": _stamp(), "finished_at": None, "done": 0, "total": len(forces.forces()),
                  "current": None, "message": "Loading the publication's data", "formats": list(request.formats)}
        write_status(out, **status)
        env = config.child_environment({"PEEL_DATABASE_URL": ledger_url} if ledger_url else None)
        with log_path(out).open("wb") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "peelkit.publish.job", "--out", str(out), "--publication",
                 request.publication_id, "--warehouse", str(request.warehouse_path), "--lock-fd", str(fd),
                 "--formats", ",".join(request.formats), "--jobs", str(request.jobs), "--by", request.by],
                pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True)  # not killed with the server: the build finishes on its own
        _CHILDREN.append(child)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{child.pid}\n".encode("ascii"), 0)
        return status
    finally:
        os.close(fd)  # the job's process keeps the lock through its own copy


def _run(args: argparse.Namespace) -> None:
    from peelkit import forces
    from peelkit.ledger.db import database_url
    from peelkit.publish.context import load_publication_data
    from peelkit.publish.publisher import publish

    out = Path(args.out)
    status = json.loads(status_path(out).read_text(encoding="utf-8"))
    try:
        data = load_publication_data(Path(args.warehouse), database_url(), args.publication)
        status.update(message="Rendering the reports")
        write_status(out, **status)

        def step(code: str) -> None:
            status.update(done=status["done"] + 1, current=forces.match_force(code).name)
            write_status(out, **status)

        report = publish(data, out, formats=args.formats.split(","), jobs=args.jobs, on_force=step, locked=True)
    except BaseException as error:
        status.update(state="failed", finished_at=_stamp(), message=f"The publish failed: {error}. The previous "
                      "site is unchanged.")
        write_status(out, **status)
        raise
    status.update(state="finished", finished_at=_stamp(), files=report.files, seconds=round(report.seconds, 1),
                  message=f"Published the reports of {len(report.forces)} "
                  f"{'force' if len(report.forces) == 1 else 'forces'}: {report.files} files.")
    write_status(out, **status)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m peelkit.publish.job")
    for name in ("--out", "--publication", "--warehouse", "--formats", "--by"):
        parser.add_argument(name, required=True)
    parser.add_argument("--lock-fd", type=int, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    os.set_inheritable(args.lock_fd, False)  # held here until exit; the render workers need no copy
    _run(args)


if __name__ == "__main__":
    main()
