"""The lock of a site folder: one `peel publish` at a time writes it. Held for the whole build, so the stale
build folders a finished publish removes can only be left by publishes that are no longer running (two at once
used to delete each other's build folder part-way)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from peelkit.locks import exclusive


def lock_file(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def site_lock(out: Path, *, wait: bool = False, on_wait: Callable[[str], None] | None = None
              ) -> AbstractContextManager[None]:
    return exclusive(lock_file(out), f"`peel publish` to {out}", wait=wait, on_wait=on_wait)
