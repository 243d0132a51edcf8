"""Bad input to `benchmark.evaluate` gives a clear error naming the file, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from tests.golden import GOLDEN

CASE_A = GOLDEN / "caseA" / "inputs"


def _evaluate(tmp_path: Path, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "results.json"
    code = evaluate_main([*args, "--bootstrap", "50", "--out", str(out)])
    return code, capsys.readouterr().err, out


def _positions_args(gt: Path, pred: Path, *extra: str) -> list[str]:
    return ["--protocol", "aist3d@bailando", "--gt", str(gt), "--pred", str(pred), "--fps", "30", *extra]


def test_nan_motion_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pred = np.load(CASE_A / "pred_positions.npy")
    pred[2, 10, 5, 1] = np.nan
    bad = tmp_path / "pred_nan.npy"
    np.save(bad, pred)
    code, err, out = _evaluate(tmp_path, capsys, *_positions_args(CASE_A / "gt_positions.npy", bad))
    assert code == 1 and "pred_nan.npy" in err and ("NaN" in err or "non-finite" in err)
    assert not out.exists()


def test_wrong_shape_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "flat.npy"
    np.save(bad, np.zeros((4, 240, 72)))
    code, err, out = _evaluate(tmp_path, capsys, *_positions_args(CASE_A / "gt_positions.npy", bad))
    assert code == 1 and "flat.npy" in err and "(N,T,J,3)" in err
    assert not out.exists()


def test_too_few_frames_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    short = tmp_path / "short.npy"
    np.save(short, np.load(CASE_A / "pred_positions.npy")[:, :2])
    code, err, _ = _evaluate(tmp_path, capsys, *_positions_args(CASE_A / "gt_positions.npy", short))
    assert code == 1 and "frames" in err


def test_missing_music_names_the_sequence(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    motion = np.load(GOLDEN / "caseF" / "inputs" / "pred_motion315.npy")
    for role in ("gt", "pred"):
        (tmp_path / role).mkdir()
        for k, seq_id in enumerate(("211", "065")):
            np.save(tmp_path / role / f"{seq_id}.npy", motion[k])
    (tmp_path / "music").mkdir()
    code, err, out = _evaluate(
        tmp_path, capsys, "--protocol", "finedance3d@lodge", "--gt", str(tmp_path / "gt"),
        "--pred", str(tmp_path / "pred"), "--music", str(tmp_path / "music"),
    )  # fmt: skip
    assert code == 1 and "no music for sequence '065'" in err
    assert not out.exists()


def test_failed_run_keeps_previous_results(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "results.json"
    out.write_text('{"previous": true}')
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((2, 10, 24, 3), np.inf))
    code, _, _ = _evaluate(tmp_path, capsys, *_positions_args(CASE_A / "gt_positions.npy", bad))
    assert code == 1 and out.read_text() == '{"previous": true}'


def test_beats_flags_go_together(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, err, _ = _evaluate(
        tmp_path, capsys,
        *_positions_args(CASE_A / "gt_positions.npy", CASE_A / "pred_positions.npy",
                         "--gt-beats", str(CASE_A / "gt_music_beat_onehot.npy")),
    )  # fmt: skip
    assert code == 2 and "go together" in err
