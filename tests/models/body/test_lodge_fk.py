"""LODGE's float32 SMPL-X FK (`finedance3d@lodge`): against the caseF golden (first frame and per-sequence
kinetic features), the suite's rest joints, and its input checks."""

import numpy as np
import pytest

from benchmark.metrics.motion.kinetic import kinetic_features
from benchmark.metrics.motion.preprocess import lodge_positions
from models.body.lodge_fk import LODGE_REST_JOINTS, lodge_smplx_fk
from models.body.skeleton import SMPLX55_REST_JOINTS
from tests.golden import GOLDEN, golden_json

ULP_AT_1 = float(np.spacing(np.float32(1.0)))


def test_rest_joints_are_the_suite_table_at_float32_precision():
    assert LODGE_REST_JOINTS.dtype == np.float32 and LODGE_REST_JOINTS.shape == (55, 3)
    np.testing.assert_allclose(LODGE_REST_JOINTS, SMPLX55_REST_JOINTS, rtol=0, atol=5e-9)


def test_first_frame_within_one_float32_ulp_of_lodge():
    motion = np.load(GOLDEN / "caseF/inputs/gt_motion315.npy")[0]
    expected = np.array(golden_json("caseF/golden_lodge_caseF.json")["smplx_fk_seq0_gt_frame0_joints0_24"], np.float32)
    joints = lodge_smplx_fk(motion)
    assert joints.dtype == np.float32 and joints.shape == (270, 55, 3)
    np.testing.assert_allclose(joints[0, :24], expected, rtol=0, atol=ULP_AT_1)


def test_kinetic_features_match_lodge_to_float32_rounding():
    golden = golden_json("caseF/golden_lodge_caseF.json")["per_sequence_features"]["pred"][0]
    motion = np.load(GOLDEN / "caseF/inputs/pred_motion315.npy")[0]
    features = kinetic_features(lodge_positions(lodge_smplx_fk(motion)), 1 / 60, ee_bug=True)
    np.testing.assert_allclose(features, np.array(golden["kinetic66"], np.float32), rtol=5e-6)


def test_319_and_315_layouts_give_the_same_joints_and_bad_shapes_are_refused():
    motion = np.load(GOLDEN / "caseF/inputs/gt_motion315.npy")[0, :20]
    with_contacts = np.concatenate([np.ones((20, 4), np.float32), motion], axis=1)
    np.testing.assert_array_equal(lodge_smplx_fk(with_contacts), lodge_smplx_fk(motion))
    with pytest.raises(ValueError, match="FineDance array"):
        lodge_smplx_fk(motion[:, :100])
