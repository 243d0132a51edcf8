"""`--pred-format`: a folder of a baseline's output files scored as predictions, the layout detected or given."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from benchmark.inputs.baseline_outputs import load_output_set
from models.body.formats import encode_edge151
from models.body.motion import Motion
from tests.golden import GOLDEN
from tests.models.body.test_formats_baselines import write_bailando, write_edge_pkl


def _dancers() -> list[Motion]:
    load = lambda name: np.load(GOLDEN / f"caseA/inputs/{name}.npy")[0].astype(np.float64)  # noqa: E731
    whole = Motion(load("gt_axis_angle_seq0_slice"), load("gt_trans_seq0_slice"), 30)
    return [whole.slice(start, start + 60) for start in (0, 20, 40, 60)]


def test_auto_detects_edge_pickles_with_a_message(tmp_path, caplog):
    for k, motion in enumerate(_dancers()):
        write_edge_pkl(tmp_path / f"s{k}.pkl", motion)
    with caplog.at_level(logging.WARNING):
        outputs = load_output_set(tmp_path, "auto", "pred")
    assert "4 files read as edge outputs (detected" in caplog.text
    assert outputs.ids == ("s0", "s1", "s2", "s3") and outputs.fps == 30.0 and outputs.motions is not None


def test_bailando_outputs_are_a_positions_set(tmp_path):
    for k, motion in enumerate(_dancers()):
        write_bailando(tmp_path / f"s{k}.pkl", motion.positions())
    outputs = load_output_set(tmp_path, "bailando", "pred")
    assert outputs.ids == ("s0", "s1", "s2", "s3") and outputs.fps == 60.0 and outputs.positions is not None
    with pytest.raises(ValueError, match="no edge output files"):
        load_output_set(tmp_path, "edge", "pred")


def test_evaluate_scores_edge_outputs_against_npy_gt(tmp_path):
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    dancers = _dancers()
    for k, motion in enumerate(dancers):
        np.save(tmp_path / "gt" / f"s{k}.npy", encode_edge151(motion))
        write_edge_pkl(tmp_path / "pred" / f"s{k}.pkl", dancers[(k + 1) % len(dancers)])
    out = tmp_path / "r.json"
    code = evaluate_main(["--protocol", "aist3d@v1", "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred"),
                          "--pred-format", "auto", "--bootstrap", "20", "--out", str(out)])  # fmt: skip
    assert code == 0
    results = json.loads(out.read_text())
    assert results["metrics"]["fid_k"]["value"] is not None and results["protocol"]["fps"] == 30.0
