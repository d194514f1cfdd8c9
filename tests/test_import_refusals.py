"""Paths `peel data import` refuses before reading (issue 13, 10): a named pipe would block the import forever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from peelkit.errors import ConfigError


def test_a_named_pipe_is_refused_at_once(tmp_path: Path, peel_home: Path) -> None:
    pipe = tmp_path / "rec-crime-pfa.csv"
    os.mkfifo(pipe)
    done = subprocess.run([sys.executable, "-m", "peelkit.cli", "data", "import", str(pipe)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PEEL_HOME": str(peel_home)})
    assert done.returncode == ConfigError.exit_code, done.stderr
    assert "not a regular file" in done.stderr and str(pipe) in done.stderr
    assert "Traceback" not in done.stderr


def test_a_pipe_inside_a_folder_is_left_out(tmp_path: Path, peel_home: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "README.md").write_text("documentation\n")
    done = subprocess.run([sys.executable, "-m", "peelkit.cli", "data", "import", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PEEL_HOME": str(peel_home)})
    assert done.returncode == 0, done.stderr
    assert "pipe.csv" not in done.stdout + done.stderr
