"""--precision reaches the appearance backbones from both commands that score generated videos (benchmark.run
and benchmark.evaluate on ma_video@*), and only those protocols take it."""

from __future__ import annotations

import pytest

from benchmark import evaluate, run_video
from benchmark.evaluate import main as evaluate_main
from benchmark.run import main as run_main
from models.command_line import UsageError


class _Stop(UsageError):
    """Raised by the stand-in loader once it has seen its arguments, so no video is generated."""


def _recorder(seen: dict) -> object:
    def load(protocol: object, weights: object, device: str, random_init: bool, precision: str) -> None:
        seen["precision"] = precision
        raise _Stop("stopped after the metrics were asked for")

    return load


@pytest.mark.parametrize(("flag", "expected"), [((), "reference"), (("--precision", "half"), "half")])
def test_run_passes_the_precision_to_the_backbones(monkeypatch: pytest.MonkeyPatch, tmp_path, flag, expected) -> None:
    seen: dict = {}
    monkeypatch.setattr(run_video, "available_appearance_metrics", _recorder(seen))
    args = ["--method", "random_motion", "--protocol", "ma_video@mace", "--out", str(tmp_path / "r.json"), *flag]
    assert run_main(args) == 2 and seen == {"precision": expected}


def test_evaluate_passes_the_precision_to_the_backbones(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    seen: dict = {}
    monkeypatch.setattr(evaluate, "appearance_metrics", _recorder(seen))
    args = ["--protocol", "ma_video@mace", "--standin", "--pose-estimator", "mediapipe", "--precision", "float32",
            "--out", str(tmp_path / "r.json")]
    assert evaluate_main(args) == 2 and seen == {"precision": "float32"}


def test_motion_protocols_refuse_the_flag(capsys: pytest.CaptureFixture) -> None:
    assert run_main(["--method", "random_motion", "--precision", "half"]) == 2
    assert "--precision: only apply to video protocols" in capsys.readouterr().err
