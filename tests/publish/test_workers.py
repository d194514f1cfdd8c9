"""A report worker ends when its publish is killed (issue 13, 7): kill -9 of the parent leaves no worker behind.
The real `peel publish --jobs 2` case is in tests/hardening/test_kill9.py; this is the mechanism alone, fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PARENT = """
import multiprocessing, os, sys, time
from peelkit.publish.workers import exit_with_parent

def worker(parent, guard):
    if guard:
        exit_with_parent(parent)
    print(os.getpid(), flush=True)
    time.sleep(120)

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=worker, args=(os.getpid(), sys.argv[1] == "guard"))
    child.start()
    child.join()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("guard", ["guard", "no-guard"])
def test_a_worker_dies_with_its_killed_parent(tmp_path: Path, guard: str) -> None:
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(PARENT))
    parent = subprocess.Popen([sys.executable, str(script), guard], stdout=subprocess.PIPE, text=True,
                              env={**os.environ})
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        # With the guard the worker is gone; without it (how workers were before) it lives on: the control.
        assert _alive(worker) is (guard == "no-guard")
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)
