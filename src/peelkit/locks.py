"""One writer at a time: an advisory lock file beside what a command writes (the warehouse, a site folder).

The lock is `flock` on an open file, so the kernel drops it the moment its holder exits, however it exits
(kill -9 included): a lock can never be left stale. The file stays; it holds the holder's process id, for the
message the next writer gets."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from peelkit.errors import PeelError


class Busy(PeelError):
    """Another process is writing the same thing; nothing was changed."""

    exit_code = 7
    http_status = 503


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""


@contextmanager
def exclusive(lock_file: Path, what: str, *, wait: bool = False,
              on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold `lock_file` for the block. If another process holds it: raise Busy naming `what`, or with `wait`
    block until it is free (telling `on_wait` first)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                raise Busy(f"another {what} is running{holder}; nothing was changed. Wait for it to finish "
                           "and run this again, or add --wait to wait for it") from None
            if on_wait:
                on_wait(f"waiting for another {what}{holder} to finish ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock
