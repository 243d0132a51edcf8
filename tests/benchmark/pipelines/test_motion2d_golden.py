"""`ma2d@mace` against MACE-Dance's Evaluation-Motion run on golden caseM1 (features, beats, the eight numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from benchmark.inputs.keypoint_cache import PoseSource
from benchmark.inputs.keypoint_sets import load_pairs
from benchmark.metrics.motion2d.beat_align_2d import beat_align_2d, motion_beats_2d
from benchmark.pipelines.motion2d import set_features
from benchmark.protocols.motion2d import MA2D_MACE
from benchmark.results import validate
from tests.golden import GOLDEN as GOLDEN_DIR
from tests.golden import golden_json

CASE = GOLDEN_DIR / "caseM1"
DATA = CASE / "inputs" / "Data"
GOLDEN = golden_json("caseM1", "golden_mace2d_caseM1.json")


def _never():
    raise AssertionError("keypoint inputs must not load a pose model")


NO_MODEL = PoseSource("none", _never)


@pytest.fixture(scope="module")
def pairs():
    return load_pairs(MA2D_MACE, DATA / "GT_ViTPose", DATA / "Pred_ViTPose", DATA / "GT", NO_MODEL, Path("unused"))


def test_pairs_and_music_beats_match_reference(pairs) -> None:
    assert pairs.stems == GOLDEN["stems_sorted"]
    assert pairs.gt.shape == pairs.pred.shape == tuple(GOLDEN["loaded_arrays"]["gt"])
    for stem, beats in zip(pairs.stems, pairs.music_beats):
        assert beats.tolist() == GOLDEN["music_beat_vectors_64"][stem], stem


def test_features_bit_equal(pairs) -> None:
    features = GOLDEN["features"]
    for role, keypoints in (("gt", pairs.gt), ("pred", pairs.pred)):
        kinetic, geometric = set_features(MA2D_MACE, keypoints)
        np.testing.assert_array_equal(kinetic, np.array(features[f"{role}_kinetic75"], np.float32))
        np.testing.assert_array_equal(geometric, np.array(features[f"{role}_geometric32"], np.float32))


def test_motion_beats_and_per_sequence_bas(pairs) -> None:
    for role, keypoints in (("gt", pairs.gt), ("pred", pairs.pred)):
        for ref, k, beats in zip(GOLDEN["BAS_per_sequence"][role], keypoints, pairs.music_beats):
            assert motion_beats_2d(k[..., :2]).tolist() == ref["motion_beats"], (role, ref["stem"])
            assert beat_align_2d(k[..., :2], beats) == pytest.approx(ref["BA"], rel=1e-12)


def test_cli_reproduces_the_eight_numbers(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--protocol", "ma2d@mace", "--gt", str(DATA / "GT_ViTPose"), "--pred", str(DATA / "Pred_ViTPose"),
            "--music", str(DATA / "GT"), "--bootstrap", "200", "--out", str(out)]  # fmt: skip
    assert evaluate_main(args) == 0
    results = json.loads(out.read_text())
    validate(results)
    ref = GOLDEN["headline_exact_values"]
    m, gt = results["metrics"], results["reference"]
    got = {"FID_k": m["fid_k"], "FID_g": m["fid_g"], "DIV_k": m["div_k"], "DIV_g": m["div_g"], "BAS": m["bas"],
           "DIV_k_gt": gt["div_k"], "DIV_g_gt": gt["div_g"], "BAS_gt": gt["bas"]}  # fmt: skip
    for name, entry in got.items():
        rel = 2e-3 if name.startswith("FID") else 1e-5
        assert entry["value"] == pytest.approx(ref[name], rel=rel), name
        assert entry["n"] == 6 and entry["ci95"][0] <= entry["ci95"][1], name
    assert results["protocol"]["pose_estimator"] == "given keypoints"
    assert [item["id"] for item in results["per_item"]] == GOLDEN["stems_sorted"]
