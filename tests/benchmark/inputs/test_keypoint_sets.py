"""2D keypoint inputs: pairing by stem, MACE's silent drops made loud (ma2d@mace) or fatal (ma2d@v1), bad files named."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from benchmark.inputs.keypoint_sets import load_pairs, read_keypoints
from benchmark.metrics.warnings import MetricWarning
from benchmark.protocols.motion2d import MA2D_MACE, MA2D_V1
from tests.golden import GOLDEN
from tests.benchmark.pipelines.test_motion2d_golden import NO_MODEL

DATA = GOLDEN / "caseM1" / "inputs" / "Data"
STEMS = ("m1_00", "m1_01", "m1_02")


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    out = []
    for name, source, suffix in (("gt", "GT_ViTPose", ".json"), ("pred", "Pred_ViTPose", ".json"), ("music", "GT", ".mp4")):
        folder = tmp_path / name
        folder.mkdir()
        for stem in STEMS:
            shutil.copy(DATA / source / f"{stem}{suffix}", folder / f"{stem}{suffix}")
        out.append(folder)
    return out[0], out[1], out[2]


def _rewrite(path: Path, edit) -> None:
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "edit,problem",
    [
        (lambda d: d.update(keypoints=d["keypoints"][:50]), "50 frames, fewer than the 64"),
        (lambda d: d.update(poses=d.pop("keypoints")), "no 'keypoints' key"),
        (lambda d: d.update(keypoints=[f[:17] for f in d["keypoints"]]), "shape (80, 17, 3)"),
    ],
)
def test_unusable_stem_dropped_loudly_by_mace_and_fatal_in_v1(tmp_path: Path, edit, problem: str) -> None:
    gt, pred, music = _folders(tmp_path)
    _rewrite(pred / "m1_01.json", edit)
    with pytest.warns(MetricWarning, match=rf"m1_01\.json.*{re.escape(problem)}"):
        pairs = load_pairs(MA2D_MACE, gt, pred, music, NO_MODEL, tmp_path)
    assert pairs.stems == ["m1_00", "m1_02"] and any("m1_01.json" in w for w in pairs.warnings)
    with pytest.raises(ValueError, match=r"m1_01\.json"):
        load_pairs(MA2D_V1, gt, pred, music, NO_MODEL, tmp_path)


def test_unmatched_stem_warned_by_mace_and_fatal_in_v1(tmp_path: Path) -> None:
    gt, pred, music = _folders(tmp_path)
    (music / "m1_02.mp4").unlink()
    with pytest.warns(MetricWarning, match="m1_02"):
        assert load_pairs(MA2D_MACE, gt, pred, music, NO_MODEL, tmp_path).stems == ["m1_00", "m1_01"]
    with pytest.raises(ValueError, match="m1_02"):
        load_pairs(MA2D_V1, gt, pred, music, NO_MODEL, tmp_path)


def test_unreadable_audio_drops_the_stem(tmp_path: Path) -> None:
    gt, pred, music = _folders(tmp_path)
    (music / "m1_00.mp4").write_bytes(b"not audio")
    with pytest.warns(MetricWarning, match=r"m1_00\.mp4"):
        assert load_pairs(MA2D_MACE, gt, pred, music, NO_MODEL, tmp_path).stems == ["m1_01", "m1_02"]


def test_non_finite_keypoints_are_an_error_for_both(tmp_path: Path) -> None:
    gt, pred, music = _folders(tmp_path)
    doc = json.loads((DATA / "GT_ViTPose" / "m1_02.json").read_text())
    doc["keypoints"][3][4][0] = float("nan")
    (gt / "m1_02.json").write_text(json.dumps(doc))
    for protocol in (MA2D_MACE, MA2D_V1):
        with pytest.raises(ValueError, match=r"m1_02\.json: non-finite keypoints at frames \[3\]"):
            load_pairs(protocol, gt, pred, music, NO_MODEL, tmp_path)


def test_first_64_frames_are_scored(tmp_path: Path) -> None:
    keypoints, fps = read_keypoints(DATA / "GT_ViTPose" / "m1_00.json", 64)
    full = np.array(json.loads((DATA / "GT_ViTPose" / "m1_00.json").read_text())["keypoints"])
    assert fps == 16.0 and np.array_equal(keypoints, full[:64])


def test_cli_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gt, pred, music = _folders(tmp_path)
    out = tmp_path / "r.json"
    base = ["--protocol", "ma2d@mace", "--gt", str(gt), "--pred", str(pred), "--out", str(out)]
    assert evaluate_main(base) == 1
    assert "pass --music" in capsys.readouterr().err
    assert evaluate_main([*base, "--music", str(music), "--fps", "30"]) == 2
    assert "--fps: not used by motion2d" in capsys.readouterr().err
    assert evaluate_main([*base, "--music", str(tmp_path / "nope")]) == 1
    assert "nope: no such folder (--music)" in capsys.readouterr().err
    assert not out.exists()
