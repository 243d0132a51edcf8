"""MediaPipe/LiteRT's C++ log lines stay off stderr (they drowned the progress bars) unless MACE_NATIVE_LOGS=1."""

from __future__ import annotations

import os
import subprocess
import sys

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
