"""Report workers die with their publish. A spawned worker is a separate process: if its parent is killed
(kill -9, the OOM killer), nothing tells it, and it lives on holding ~200 MB. On Linux the kernel is asked to
kill it when the parent goes (prctl PR_SET_PDEATHSIG); everywhere a watchdog thread also checks once a second
that the parent is still its parent."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


def exit_with_parent(parent_pid: int) -> None:
    """Call first thing in a worker: make sure it ends when `parent_pid` does."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl (an unusual libc): the watchdog still works
            pass
    _exit_if_orphaned(parent_pid)  # the parent may have died before the request above took effect
    threading.Thread(target=_watch, args=(parent_pid,), name="peel-parent-watchdog", daemon=True).start()


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        _exit_if_orphaned(parent_pid)


def _exit_if_orphaned(parent_pid: int) -> None:
    if os.getppid() != parent_pid:
        os._exit(1)  # no cleanup to run: the parent that would use this worker's output is gone
