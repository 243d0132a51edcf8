"""Each documented v1 deviation from the published code, checked on golden inputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from benchmark.inputs.motion_sets import MotionSet, load_motion_set
from benchmark.pipelines.motion3d import BeatSource, extract_features, score_motion3d
from benchmark.protocols import PROTOCOLS, get_protocol
from benchmark.results import validate
from tests.golden import GOLDEN, REPO

CASE_B = GOLDEN / "caseB" / "inputs"
METHOD = {"name": "test", "version": "0", "checkpoint_sha256": None, "config": {}}


def _positions_set(path: Path, fps: float, name: str) -> MotionSet:
    return load_motion_set(path, fps, name)


def test_every_protocol_has_a_document() -> None:
    root = REPO
    for protocol in PROTOCOLS.values():
        assert (root / protocol.doc).is_file(), protocol.doc


def test_unknown_protocol_lists_known_ids() -> None:
    with pytest.raises(ValueError, match="aist3d@bailando"):
        get_protocol("aist3d@nope")


def _kinetic(pid: str, positions: np.ndarray, fps: float) -> np.ndarray:
    ids = [f"seq{k:03d}" for k in range(len(positions))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return extract_features(get_protocol(pid), dict(zip(ids, positions)), fps).kinetic


KINETIC_ENERGY = np.r_[0:72:3, 1:72:3]  # horizontal and vertical kinetic energy columns
ENERGY_EXPENDITURE = slice(2, 72, 3)


def test_v1_kinetic_features_are_physical_at_any_fps() -> None:
    """Deviation 2: published frame time is fixed at 1/60 s; v1 uses the data's 1/fps. On 30-fps
    data compat velocities are therefore doubled (energies x4) relative to v1, while at 60 fps
    both agree; v1 energies of the same dance at 60 and 30 fps stay close."""
    full = np.load(CASE_B / "gt_positions.npy")  # 60 fps
    half = full[:, ::2]  # the same dance at 30 fps
    compat30, v1_30 = _kinetic("aist3d@bailando", half, 30.0), _kinetic("aist3d@v1", half, 30.0)
    compat60, v1_60 = _kinetic("aist3d@bailando", full, 60.0), _kinetic("aist3d@v1", full, 60.0)
    np.testing.assert_allclose(compat30[:, KINETIC_ENERGY], 4 * v1_30[:, KINETIC_ENERGY], rtol=1e-5)
    np.testing.assert_allclose(compat60[:, KINETIC_ENERGY], v1_60[:, KINETIC_ENERGY], rtol=1e-5)
    assert np.median(v1_30[:, KINETIC_ENERGY] / v1_60[:, KINETIC_ENERGY]) == pytest.approx(1.0, abs=0.25)


def test_v1_energy_term_is_acceleration_not_position() -> None:
    """Deviation 1: a constant-velocity drift leaves every acceleration unchanged. The published
    EE (distance from the origin, by its precedence bug) changes; v1 EE does not."""
    pos = np.load(CASE_B / "gt_positions.npy")[:2]
    drift = pos + (np.arange(pos.shape[1]) / 60.0 * 0.5)[None, :, None, None] * np.array([1.0, 0, 0])
    for pid, changes in (("aist3d@bailando", True), ("aist3d@v1", False)):
        base = _kinetic(pid, pos, 60.0)[:, ENERGY_EXPENDITURE]
        moved = _kinetic(pid, drift, 60.0)[:, ENERGY_EXPENDITURE]
        assert (not np.allclose(base, moved, rtol=1e-3)) == changes, pid


def _score(pid: str, gt: MotionSet, pred: MotionSet, reference: MotionSet | None = None) -> dict:
    beats = BeatSource.from_args(None, CASE_B / "gt_music_beat_onehot.npy", CASE_B / "pred_music_beat_onehot.npy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = score_motion3d(get_protocol(pid), gt, pred, reference, beats, METHOD, n_boot=100)
    validate(results)
    return results


def test_v1_drops_constant_gt_dims_and_uses_explicit_reference() -> None:
    """Deviations 3 and 4: the GT reference set is explicit and recorded; constant dims dropped."""
    gt = _positions_set(CASE_B / "gt_positions.npy", 60, "GT")
    pred = _positions_set(CASE_B / "pred_positions.npy", 60, "pred")
    compat = _score("aist3d@bailando", gt, pred)
    v1 = _score("aist3d@v1", gt, pred)
    assert any("constant" in w and "compat" in w for w in compat["warnings"])
    assert any("dropped" in w for w in v1["warnings"])
    dropped = [w for w in v1["warnings"] if "dropped" in w]
    assert any(w.startswith("13 of 32 GT feature dims are constant") for w in dropped)  # caseB geometric
    assert compat["protocol"]["gt_reference_sha256"] == gt.sha256
    with_ref = _score("aist3d@v1", gt, pred, reference=pred)
    assert with_ref["protocol"]["gt_reference_sha256"] == pred.sha256
    assert with_ref["metrics"]["fid_k"]["value"] == pytest.approx(0.0, abs=1e-4)  # pred vs itself (traces ~1e2)


def test_v1_bas_sigma_in_seconds_equals_compat_at_reference_fps() -> None:
    """Deviation 6: v1 sigma is 0.05 s, i.e. exactly the published 3 frames at AIST++'s 60 fps."""
    gt = _positions_set(CASE_B / "gt_positions.npy", 60, "GT")
    pred = _positions_set(CASE_B / "pred_positions.npy", 60, "pred")
    compat, v1 = _score("aist3d@bailando", gt, pred), _score("aist3d@v1", gt, pred)
    assert v1["metrics"]["bas"]["value"] == pytest.approx(compat["metrics"]["bas"]["value"], rel=1e-12)


def test_fps_mismatch_between_sets_is_an_error() -> None:
    gt = _positions_set(CASE_B / "gt_positions.npy", 60, "GT")
    pred = _positions_set(CASE_B / "pred_positions.npy", 30, "pred")
    with pytest.raises(ValueError, match="30 fps but GT is at 60 fps"):
        _score("aist3d@v1", gt, pred)
