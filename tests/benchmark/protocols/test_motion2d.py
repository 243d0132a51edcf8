"""Each documented `ma2d@v1` deviation from MACE's code, shown to move the numbers the documented way on caseM1."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from benchmark.metrics.motion2d.geometric_2d import FEATURES
from benchmark.pipelines.motion2d import score_motion2d, set_features
from benchmark.protocols import PROTOCOLS
from benchmark.protocols.motion2d import MA2D_MACE, MA2D_V1, Motion2DProtocol
from benchmark.results import validate
from tests.benchmark.pipelines import test_motion2d_golden as golden
from tests.golden import REPO

pairs = golden.pairs  # the caseM1 fixture
DIAGNOSTICS = golden.GOLDEN["diagnostics_not_reference_output"]
METHOD = {"name": "test", "version": "0", "checkpoint_sha256": None, "config": {}}
PLANE_COLUMNS = [i for i, (test, _, _) in enumerate(FEATURES) if test in ("plane", "nplane")]


def _metrics(protocol: Motion2DProtocol, pairs) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = score_motion2d(protocol, pairs, METHOD, n_boot=50)
    validate(results)
    out = {k: v["value"] for k, v in results["metrics"].items()}
    out.update({f"{k}_gt": v["value"] for k, v in results["reference"].items()})
    return out


def test_both_protocols_registered_with_documents() -> None:
    root = REPO
    for pid in ("ma2d@mace", "ma2d@v1"):
        assert PROTOCOLS[pid].kind == "motion2d"
        assert (root / PROTOCOLS[pid].doc).is_file()


def test_d1_mace_root_mixes_the_right_wrist_into_every_joint(pairs) -> None:
    """MACE's "hips" 11/12 are coco_25's right wrist and left hip: moving only the right wrist changes the
    kinetic features of every joint (root-relative); with the coco_25 map only the wrist's own columns move."""
    moved = pairs.gt[:2].copy()
    moved[:, :, 11, :2] += np.sin(np.arange(64) / 3.0)[None, :, None] * 40
    wrist = slice(33, 36)
    for protocol, all_move in ((MA2D_MACE, True), (replace(MA2D_MACE, joint_map="coco25"), False)):
        before, after = set_features(protocol, pairs.gt[:2])[0], set_features(protocol, moved)[0]
        changed = ~np.isclose(before, after, rtol=1e-6).reshape(2, 25, 3).all(axis=(0, 2))
        assert changed[11] and changed.sum() == (25 if all_move else 1), protocol.joint_map
        assert np.array_equal(before[:, wrist], before[:, 36:39]) == all_move  # MACE: joints 11 and 12 identical


def test_d2_xy_order_matches_the_reference_run_on_swapped_input(pairs) -> None:
    """Reading (y, x) as (x, y) is what MACE did; swapping equals running MACE on (x, y)-stored keypoints
    (golden diagnostic): geometric numbers move, kinetic ones only permute columns."""
    got = _metrics(replace(MA2D_MACE, swap_yx=True), pairs)
    ref = DIAGNOSTICS["same_keypoints_stored_xy_instead_of_yx"]
    for name in ("FID_g", "DIV_g", "DIV_g_gt", "FID_k", "DIV_k", "BAS"):
        assert got[name.lower()] == pytest.approx(ref[name], rel=2e-3 if "FID" in name else 1e-5), name
    assert got["fid_g"] < 0.8 * _metrics(MA2D_MACE, pairs)["fid_g"]


def test_d3_gt_statistics_expose_offsets_and_constant_dims(pairs) -> None:
    """Own-statistics z-scores hide a pred offset; GT statistics see it (golden diagnostic numbers), and v1's
    dropping of GT-constant dims stops the 1e-4 division from exploding FID_g."""
    gt_stats = _metrics(replace(MA2D_MACE, normalisation="gt"), pairs)
    assert gt_stats["fid_k"] == pytest.approx(DIAGNOSTICS["gtstat_norm_FID_k"], rel=2e-3)
    assert gt_stats["fid_g"] == pytest.approx(DIAGNOSTICS["gtstat_norm_FID_g"], rel=2e-3)
    assert gt_stats["div_g"] == pytest.approx(DIAGNOSTICS["gtstat_norm_DIV_g"], rel=1e-5)
    dropped = _metrics(replace(MA2D_MACE, normalisation="gt", drop_constant_gt_dims=True), pairs)
    assert dropped["fid_g"] < 0.1 * gt_stats["fid_g"]
    slower = replace(pairs, pred=pairs.pred * np.r_[0.5, 0.5, 1.0])  # pred half size: kinetic features x0.25
    for protocol, visible in ((MA2D_MACE, False), (replace(MA2D_MACE, normalisation="gt"), True)):
        base, scaled = _metrics(protocol, pairs)["fid_k"], _metrics(protocol, slower)["fid_k"]
        assert (scaled > 1.5 * base) == visible and (scaled == pytest.approx(base, rel=1e-4)) != visible


def test_d4_real_plane_features_vary_and_depth_planes_stay_zero(pairs) -> None:
    """MACE's plane tests are stubs (11 zero columns); v1 computes the normal-plane tests, PLANE stays 0 in 2D."""
    mace = np.concatenate(set_features(MA2D_MACE, pairs.gt)[1:] + set_features(MA2D_MACE, pairs.pred)[1:])
    v1 = np.concatenate(set_features(MA2D_V1, pairs.gt)[1:] + set_features(MA2D_V1, pairs.pred)[1:])
    assert not mace[:, PLANE_COLUMNS].any()
    assert v1[:, [8, 18]].any(axis=0).all()  # shoulder-plane and hip-plane tests fire on caseM1
    assert not v1[:, [14, 15, 27]].any()


def test_e1_real_frame_time_scales_kinetic_features(pairs) -> None:
    """MACE's dt is 1/30 on 16-fps video; v1 uses the real 1/16, so every kinetic feature shrinks by (16/30)^2."""
    mace = set_features(MA2D_MACE, pairs.gt)[0]
    real = set_features(replace(MA2D_MACE, kinetic_frame_time=None), pairs.gt)[0]
    np.testing.assert_allclose(real, mace * (16 / 30) ** 2, rtol=1e-5)


def test_v1_numbers_on_case_m1(pairs) -> None:
    """The spec's orientation values for v1 (another implementation of the same definition), and BAS unchanged."""
    got, mace = _metrics(MA2D_V1, pairs), _metrics(MA2D_MACE, pairs)
    expected = {"fid_k": 114.483, "fid_g": 4.7871, "div_k": 7.5492, "div_k_gt": 12.1462, "div_g": 2.4590,
                "div_g_gt": 3.0369}  # fmt: skip
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-4), name
    assert got["bas"] == mace["bas"] and got["bas_gt"] == mace["bas_gt"]


def test_v1_eigen_fid_equals_the_sqrtm_form(pairs) -> None:
    """v1's eigenvalue FID is the same quantity as MACE's sqrtm form, computed stably (and clamped at 0)."""
    sqrtm = _metrics(replace(MA2D_V1, fid_form="bailando"), pairs)
    eigen = _metrics(MA2D_V1, pairs)
    assert eigen["fid_k"] == pytest.approx(sqrtm["fid_k"], rel=1e-6)
    assert eigen["fid_g"] == pytest.approx(sqrtm["fid_g"], rel=1e-6)
