"""BAS (Bailando, FACT/mint, LODGE), LODGE FSR and EDGE PFC against the golden reference outputs.

caseF positions come from the suite's SMPL-X FK (models.body) on the golden FineDance 315 inputs;
its first frame is checked against the reference FK stored in the golden JSON."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.metrics.motion.beat_align import (
    bailando_motion_beats,
    bas_bailando,
    bas_fact,
    bas_lodge,
    fact_motion_beats,
    lodge_bas_mean,
    mean_score,
    music_to_motion_score,
    onehot_to_frames,
)
from benchmark.metrics.motion.foot_contact import pfc_scores
from benchmark.metrics.motion.foot_skating import foot_skating_ratios, fsr_mean
from benchmark.metrics.warnings import DegenerateMetricWarning, MetricWarning
from models.body.rotations import rotation_6d_to_matrix
from models.body.skeleton import SMPLX55, forward_kinematics, smplx55_rotmats_from_finedance52
from tests.golden import GOLDEN, golden_json

REL = 1e-5
SIDES = ("gt", "pred")


def _load(rel: str):
    return golden_json(rel) if rel.endswith(".json") else np.load(GOLDEN / rel)


def _case(case: str, side: str):
    beats = _load(f"{case}/inputs/{side}_music_beat_onehot.npy")
    return _load(f"{case}/inputs/{side}_positions.npy"), [onehot_to_frames(b) for b in beats]


@pytest.fixture(scope="module")
def case_f_joints():
    out = {}
    for side in SIDES:
        motion = _load(f"caseF/inputs/{side}_motion315.npy").astype(np.float64)
        rot6d = motion[..., 3:].reshape(*motion.shape[:2], 52, 6)
        rotmats = smplx55_rotmats_from_finedance52(rotation_6d_to_matrix(rot6d))
        out[side] = forward_kinematics(rotmats, motion[..., :3], SMPLX55)
    golden_frame0 = _load("caseF/golden_lodge_caseF.json")["smplx_fk_seq0_gt_frame0_joints0_24"]
    np.testing.assert_allclose(out["gt"][0, 0, :24], golden_frame0, atol=1e-5)
    return out


@pytest.mark.parametrize("case", ["caseA", "caseB"])
@pytest.mark.parametrize("side", SIDES)
def test_bailando_bas_matches_per_sequence_and_mean(case, side):
    ref = _load(f"{case}/golden_bailando_{case}.json")["BAS"]
    positions, music = _case(case, side)
    per_seq = ref[f"{side}_per_sequence"]
    scores = [bas_bailando(p, m) for p, m in zip(positions, music)]
    for pos, seq, score in zip(positions, per_seq, scores):
        assert bailando_motion_beats(pos).tolist() == seq["motion_beats"]
        assert score == pytest.approx(seq["BA"], rel=REL)
    assert mean_score(scores) == pytest.approx(ref[f"{side}_calc_ba_score"], rel=REL)


def test_bailando_truncates_music_beats_to_the_velocity_length():
    positions, music = _case("caseA", "gt")
    first = _load("caseA/golden_bailando_caseA.json")["BAS"]["gt_per_sequence"][0]
    used = first["music_beats_used"]
    onehot = _load("caseA/inputs/gt_music_beat_onehot.npy")[0]
    assert onehot_to_frames(onehot, length=positions.shape[1] - 1).tolist() == used
    assert music[0].tolist() == used + [239]  # the beat on the last frame is what truncation drops
    truncated = music_to_motion_score(bailando_motion_beats(positions[0]), np.array(used))
    assert bas_bailando(positions[0], music[0]) == truncated
    assert bas_bailando(positions[0], music[0], truncate_music=False) != truncated


@pytest.mark.parametrize("case", ["caseA", "caseB"])
@pytest.mark.parametrize("side", SIDES)
def test_fact_bas_matches_per_sequence_and_mean(case, side):
    ref = _load(f"{case}/golden_summary_{case}.json")["bas_fact"][side]
    positions, music = _case(case, side)
    scores = [bas_fact(p, m) for p, m in zip(positions, music)]
    for pos, seq, score in zip(positions, ref["per_sequence"], scores):
        assert fact_motion_beats(pos).tolist() == seq["motion_beats"]
        assert score == pytest.approx(seq["score"], rel=REL)
    assert np.mean(scores) == pytest.approx(ref["mean"], rel=REL)


@pytest.mark.parametrize("side", SIDES)
def test_lodge_bas_matches_and_drops_song_193_only_in_compat(case_f_joints, side):
    golden = _load("caseF/golden_lodge_caseF.json")["BAS"]
    per_seq = golden[f"{side}_per_sequence"]
    names = [s["name"] for s in per_seq]
    scores = [bas_lodge(j, s["music_beats"]) for j, s in zip(case_f_joints[side], per_seq)]
    for joints, seq, score in zip(case_f_joints[side], per_seq, scores):
        assert bailando_motion_beats(joints[:, :24]).tolist() == seq["motion_beats"]
        assert score == pytest.approx(seq["BA"], rel=REL)
    with pytest.warns(MetricWarning, match="skips 1 of 6 files .*: 193$"):
        compat = lodge_bas_mean(names, scores)
    assert compat == pytest.approx(golden[f"{side}_calc_ba_score"], rel=REL)
    all_files = {"gt": 0.2902489, "pred": 0.2317751}[side]  # golden README, mean over all 6
    assert lodge_bas_mean(names, scores, test_ids=None) == pytest.approx(all_files, rel=1e-6)


def test_no_motion_beat_scores_zero_with_a_warning():
    still = np.zeros((50, 24, 3))
    with pytest.warns(DegenerateMetricWarning, match="no motion beat for 3 music beats"):
        assert bas_bailando(still, np.array([5, 20, 40])) == 0.0
    assert bas_fact(still, np.array([5, 20, 40])) == 0.0  # the FACT reference's own convention


def test_no_music_beat_is_undefined_and_excluded_from_the_mean_with_a_warning():
    positions, music = _case("caseA", "gt")
    with pytest.warns(DegenerateMetricWarning, match="no music beat"):
        empty = bas_bailando(positions[0], np.array([], dtype=int))
    with pytest.warns(DegenerateMetricWarning, match="no music beat for 13 motion beats"):
        assert np.isnan(bas_fact(positions[0], []))
    assert np.isnan(empty)
    defined = bas_bailando(positions[1], music[1])
    with pytest.warns(DegenerateMetricWarning, match="excludes 1 of 2 sequences"):
        assert mean_score([empty, defined]) == defined
    with pytest.raises(ValueError, match="all 1 per-sequence BAS are undefined"):
        mean_score([empty])


def test_beat_inputs_are_validated():
    positions, _ = _case("caseA", "gt")
    with pytest.raises(ValueError, match="onehot_to_frames"):
        bas_bailando(positions[0], np.zeros(240, dtype=bool))
    with pytest.raises(ValueError, match="24 SMPL joints"):
        bas_bailando(positions[0][:, :22], np.array([3, 9]))
    bad = positions[0].copy()
    bad[7, 3, 1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite values at frames \[7\]"):
        bas_fact(bad, np.array([3, 9]))
    with pytest.raises(ValueError, match="only 0/1"):
        onehot_to_frames(np.array([0, 2, 1]))


@pytest.mark.parametrize("side", SIDES)
def test_lodge_fsr_matches_per_file_ratios_and_the_reported_mean(case_f_joints, side):
    ref = _load("caseF/golden_lodge_caseF.json")["FSR"][side]
    ratios = np.array([foot_skating_ratios(j) for j in case_f_joints[side]])
    np.testing.assert_allclose(ratios[:, 0], ref["left_per_seq"], rtol=REL)
    np.testing.assert_allclose(ratios[:, 1], ref["right_per_seq"], rtol=REL)
    assert fsr_mean(ratios[:, 0], ratios[:, 1]) == pytest.approx(ref["ratio"], rel=REL)


def test_fsr_foot_without_contact_is_nan_in_compat_and_skipped_in_v1(case_f_joints):
    joints = case_f_joints["gt"][0].copy()
    joints[:, [7, 10], 1] += 0.5  # the left foot never comes down
    with pytest.warns(DegenerateMetricWarning, match="left foot never touches the ground"):
        left, right = foot_skating_ratios(joints)
    assert np.isnan(left) and 0.0 <= right <= 1.0
    others = np.array([foot_skating_ratios(j) for j in case_f_joints["gt"][1:]])
    lefts, rights = np.r_[left, others[:, 0]], np.r_[right, others[:, 1]]
    assert np.isnan(fsr_mean(lefts, rights))
    with pytest.warns(DegenerateMetricWarning, match="skips 1 of 6 files with no left-foot"):
        v1 = fsr_mean(lefts, rights, exclude_undefined=True)
    assert v1 == pytest.approx((others[:, 0].mean() + rights.mean()) / 2)


@pytest.mark.parametrize("case", ["caseA", "caseB"])
@pytest.mark.parametrize("side", SIDES)
def test_pfc_matches_edge_on_z_up_and_needs_the_up_axis_named(case, side):
    ref = _load(f"{case}/golden_summary_{case}.json")["pfc_edge"]
    zup = pfc_scores(_load(f"{case}/inputs/{side}_positions_zup.npy"), up_axis="z")
    np.testing.assert_allclose(zup, ref[f"zup_{side}_per_sequence_x10000"], rtol=REL)
    assert zup.mean() == pytest.approx(ref[f"zup_{side}_PFC"], rel=REL)
    yup = _load(f"{case}/inputs/{side}_positions.npy")
    np.testing.assert_allclose(pfc_scores(yup, up_axis="y"), zup, rtol=REL)
    # the silent-misuse trap: EDGE's z-up assumption on y-up data reproduces its wrong numbers
    misuse = pfc_scores(yup, up_axis="z")
    assert misuse.mean() == pytest.approx(ref[f"yup_misuse_{side}_PFC"], rel=REL)
    assert abs(misuse.mean() / zup.mean() - 1) > 0.05


def test_pfc_rejects_bad_input_and_warns_on_a_still_root():
    positions = _load("caseA/inputs/pred_positions.npy")
    with pytest.raises(ValueError, match="up_axis"):
        pfc_scores(positions, up_axis="x")
    with pytest.raises(ValueError, match=">= 3 frames"):
        pfc_scores(positions[:, :2], up_axis="y")
    still = positions[0].copy()
    still[:, 0] = still[0, 0]
    with pytest.warns(DegenerateMetricWarning, match="1 sequence"):
        assert pfc_scores(still, up_axis="y") == 0.0
