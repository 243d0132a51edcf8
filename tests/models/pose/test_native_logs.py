"""MediaPipe/LiteRT's C++ log lines stay off stderr (they drowned the progress bars) unless MACE_NATIVE_LOGS=1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from models.pose.native_logs import quiet_native_logs
from tests.golden import REPO

SCRIPT = """
import numpy as np
from models.pose import load_pose_estimator
with load_pose_estimator("mediapipe") as estimator:
    estimator.estimate(np.zeros((1, 64, 48, 3), np.uint8))
print("done")
"""


def _stderr(**env: str) -> str:
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, **env})  # fmt: skip
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr
    return run.stderr


def test_native_log_lines_are_hidden_by_default_and_shown_on_request(monkeypatch):
    monkeypatch.delenv("MACE_NATIVE_LOGS", raising=False)
    assert "XNNPACK" not in _stderr() and "INFO:" not in _stderr()
    assert "XNNPACK" in _stderr(MACE_NATIVE_LOGS="1")


def test_overlapping_blocks_in_threads_restore_stderr_once_the_last_ends(monkeypatch):
    monkeypatch.delenv("MACE_NATIVE_LOGS", raising=False)
    def identity() -> tuple[int, int]:
        stat = os.fstat(2)
        return stat.st_dev, stat.st_ino

    before, inside, first_in, first_out = identity(), [], threading.Event(), threading.Event()

    def first() -> None:
        with quiet_native_logs():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with quiet_native_logs():
            second_in.set()
            first_out.wait(10)
            inside.append(identity())  # the first block has ended, this one still runs: still quiet

    second_in = threading.Event()
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert inside and inside[0] != before
    assert identity() == before
