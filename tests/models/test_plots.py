"""The training-loss curve: a PNG of the expected size from a JSON-lines log; a bad line is named."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from models.plots import plot_losses


def test_loss_curve_and_a_bad_log_line(tmp_path: Path) -> None:
    log = tmp_path / "train.jsonl"
    log.write_text("".join(json.dumps({"step": s, "loss": 1.0 / (s + 1)}) + "\n" for s in range(50)))
    assert mpimg.imread(plot_losses(log, tmp_path / "loss.png")).shape[:2] == (350, 600)
    log.write_text('{"step": 0, "loss": 1.0}\n{"step": 1}\n')
    with pytest.raises(ValueError, match=r"train.jsonl:2: expected a JSON object"):
        plot_losses(log, tmp_path / "loss.png")
