"""Motion file formats: FineDance 315/319/139, EDGE 151 (z-up), AIST++ pickles, BVH, joint positions,
and `load_motion` dispatch; round trips, golden references and bad-input errors that name the file."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from models.body.bvh import euler_to_matrix, matrix_to_euler_zxy
from models.body.formats import (
    decode_edge151,
    encode_edge151,
    encode_finedance,
    load_motion,
    read_aist_pkl,
    read_bvh,
    read_finedance,
    read_positions,
    to_yup,
    to_zup,
    write_aist_pkl,
    write_bvh,
    write_finedance,
)
from models.body.formats_edge import edge_foot_contacts
from models.body.formats_finedance import finedance_contacts, motion_from_finedance
from models.body.motion import Motion
from models.body.rotations import axis_angle_to_matrix, rotation_6d_to_matrix
from models.body.skeleton import SMPL24, forward_kinematics
from tests.golden import GOLDEN, golden_json


def _case_a(name: str, frames: int = 90) -> np.ndarray:
    return np.load(GOLDEN / f"caseA/inputs/{name}.npy")[0, :frames].astype(np.float64)


@pytest.fixture(scope="module")
def smpl_motion() -> Motion:
    return Motion(_case_a("gt_axis_angle_seq0_slice"), _case_a("gt_trans_seq0_slice"), 30)


@pytest.fixture(scope="module")
def mofea319() -> np.ndarray:
    return np.load(GOLDEN / "caseF/inputs/gt_mofea319_seq0_slice.npy")[0, :60]


def _save(path: Path, array: np.ndarray) -> Path:
    np.save(path, array)
    return path


def _same_rotations(a: Motion, b: Motion, atol: float) -> None:
    np.testing.assert_allclose(axis_angle_to_matrix(a.rotations), axis_angle_to_matrix(b.rotations), atol=atol)


# ---- FineDance -------------------------------------------------------------------------------------


def test_finedance_315_reproduces_lodge_fk(tmp_path):
    frames = np.load(GOLDEN / "caseF/inputs/gt_motion315.npy")[0, :2]
    motion = read_finedance(_save(tmp_path / "m.npy", frames))
    golden = golden_json("caseF/golden_lodge_caseF.json")
    expected = golden["smplx_fk_seq0_gt_frame0_joints0_24"]
    assert motion.skeleton.name == "smplx55" and motion.fps == 30.0 and motion.num_frames == 2
    np.testing.assert_allclose(motion.positions()[0, :24], expected, atol=1e-6)
    np.testing.assert_array_equal(motion.rotations[:, 22:25], 0.0)  # jaw and eyes


def test_finedance_319_drops_contacts_and_they_are_lodge_height_contacts(tmp_path, mofea319):
    motion = read_finedance(_save(tmp_path / "m.npy", mofea319))
    plain = read_finedance(_save(tmp_path / "p.npy", mofea319[:, 4:]))
    np.testing.assert_array_equal(motion.rotations, plain.rotations)
    np.testing.assert_array_equal(finedance_contacts(motion.positions()), mofea319[:, :4])


def test_finedance_139_is_body_only_with_identity_hands(tmp_path, mofea319):
    array139 = mofea319[:, : 4 + 3 + 22 * 6]
    motion = read_finedance(_save(tmp_path / "m.npy", array139), fps=60)
    full = read_finedance(_save(tmp_path / "f.npy", mofea319))
    assert motion.fps == 60.0
    np.testing.assert_array_equal(motion.rotations[:, :22], full.rotations[:, :22])
    np.testing.assert_array_equal(motion.rotations[:, 22:], 0.0)


def test_finedance_write_read_round_trip_with_contacts(tmp_path, mofea319):
    motion = read_finedance(_save(tmp_path / "m.npy", mofea319))
    write_finedance(tmp_path / "out.npy", motion, contacts=True)
    written = np.load(tmp_path / "out.npy")
    assert written.shape == (60, 319) and written.dtype == np.float32
    np.testing.assert_array_equal(written[:, :4], mofea319[:, :4])
    np.testing.assert_allclose(written[:, 4:], mofea319[:, 4:], atol=1e-6)
    back = read_finedance(tmp_path / "out.npy")
    np.testing.assert_allclose(back.positions(), motion.positions(), atol=1e-5)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_finedance_from_smpl24_fills_the_body_and_identity_hands(smpl_motion):
    array = encode_finedance(smpl_motion)
    assert array.shape == (90, 315)
    hands = array[:, 3 + 22 * 6 :].reshape(90, 30, 6)
    np.testing.assert_allclose(hands, np.broadcast_to([1, 0, 0, 0, 1, 0], hands.shape))
    back = motion_from_finedance(array)
    _same_rotations(back.to_smpl24(), _body_only(smpl_motion), atol=1e-6)
    np.testing.assert_allclose(back.positions()[:, 0], smpl_motion.positions()[:, 0], atol=1e-6)  # pelvis kept


def _body_only(motion: Motion) -> Motion:
    rotations = motion.rotations.copy()
    rotations[:, 22:] = 0.0
    return Motion(rotations, motion.root_translation, motion.fps, motion.skeleton)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((10, 316), np.float32), r"must be \(T,315\), \(T,319\) or \(T,139\), got shape \(10, 316\)"),
        (np.zeros((2, 10, 315), np.float32), r"got shape \(2, 10, 315\)"),
        (np.full((10, 315), np.nan, np.float32), "non-finite values"),
        (np.zeros((10, 315), np.float32), "degenerate 6D rows"),
    ],
)
def test_finedance_bad_arrays_name_the_file(tmp_path, array, message):
    path = _save(tmp_path / "bad_motion.npy", array)
    with pytest.raises(ValueError, match=message) as error:
        read_finedance(path)
    assert "bad_motion.npy" in str(error.value)


def test_missing_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.npy"):
        read_finedance(tmp_path / "nowhere.npy")
    (tmp_path / "garbage.npy").write_bytes(b"not an npy file")
    with pytest.raises(ValueError, match="garbage.npy: not a readable .npy"):
        read_finedance(tmp_path / "garbage.npy")


# ---- EDGE 151 and the z-up frame ---------------------------------------------------------------------


def test_to_zup_reproduces_golden_zup_positions():
    yup, zup = _case_a("gt_positions", 120), _case_a("gt_positions_zup", 120)
    np.testing.assert_allclose(to_zup(yup), zup, atol=1e-6)
    np.testing.assert_allclose(to_yup(zup), yup, atol=1e-6)


def test_edge151_layout_is_edge_z_up(smpl_motion):
    encoded = encode_edge151(smpl_motion)
    assert encoded.shape == (90, 151)
    positions = smpl_motion.positions()
    np.testing.assert_array_equal(encoded[:, :4], edge_foot_contacts(positions))
    np.testing.assert_allclose(encoded[:, 4:7], to_zup(smpl_motion.root_translation), atol=1e-12)
    # FK straight on the stored (z-up) rotations and root gives EDGE's z-up positions (golden).
    zup_fk = forward_kinematics(rotation_6d_to_matrix(encoded[:, 7:].reshape(90, 24, 6)), encoded[:, 4:7], SMPL24)
    np.testing.assert_allclose(zup_fk, _case_a("gt_positions_zup"), atol=1e-5)


def test_edge_contacts_are_foot_speed_below_one_centimetre_per_frame():
    positions = np.zeros((4, 24, 3))
    positions[:, 7, 0] = [0.0, 0.005, 0.05, 0.06]  # left ankle: slow, fast, slow(0.01 is not < 0.01)
    positions[:, 11, 2] = [0.0, 0.02, 0.025, 0.025]  # right foot
    contacts = edge_foot_contacts(positions)
    np.testing.assert_array_equal(contacts[:, 0], [1, 0, 1, 1])  # last frame: speed 0 as in EDGE
    np.testing.assert_array_equal(contacts[:, 3], [0, 1, 1, 1])
    np.testing.assert_array_equal(contacts[:, 1:3], 1)


def test_edge151_round_trip(smpl_motion, tmp_path):
    decoded = decode_edge151(encode_edge151(smpl_motion))
    assert decoded.skeleton.name == "smpl24" and decoded.fps == 30.0
    np.testing.assert_allclose(decoded.positions(), smpl_motion.positions(), atol=1e-6)
    np.testing.assert_allclose(decoded.root_translation, smpl_motion.root_translation, atol=1e-12)
    _same_rotations(decoded, smpl_motion, atol=1e-9)
    loaded = load_motion(_save(tmp_path / "edge.npy", encode_edge151(smpl_motion).astype(np.float32)), fps=60)
    assert loaded.fps == 60.0
    np.testing.assert_allclose(loaded.positions(), smpl_motion.positions(), atol=1e-5)


def test_edge151_bad_shape_is_named():
    with pytest.raises(ValueError, match=r"clip_7: EDGE motion must be \(T,151\)"):
        decode_edge151(np.zeros((5, 150)), source="clip_7")


# ---- AIST++ ---------------------------------------------------------------------------------------


def _aist_pickle(path: Path, scaling: float = 93.5, **overrides) -> Path:
    data = {
        "smpl_poses": _case_a("gt_axis_angle_seq0_slice").reshape(90, 72),
        "smpl_trans": _case_a("gt_trans_seq0_slice") * scaling,
        "smpl_scaling": np.array([scaling]),
        "smpl_loss": 0.1,
    } | overrides
    path.write_bytes(pickle.dumps(data))
    return path


def test_aist_pickle_fk_matches_golden_positions(tmp_path):
    motion = read_aist_pkl(_aist_pickle(tmp_path / "a.pkl"))
    assert motion.fps == 60.0 and motion.skeleton.name == "smpl24"
    np.testing.assert_allclose(motion.positions(), _case_a("gt_positions"), atol=1e-5)


def test_aist_pickle_round_trip(tmp_path, smpl_motion):
    write_aist_pkl(tmp_path / "b.pkl", smpl_motion.resample(60), scaling=90.0)
    with open(tmp_path / "b.pkl", "rb") as handle:
        raw = pickle.load(handle)
    assert raw["smpl_poses"].shape == (180, 72) and raw["smpl_scaling"].tolist() == [90.0]
    back = load_motion(tmp_path / "b.pkl")
    np.testing.assert_allclose(back.positions(), smpl_motion.resample(60).positions(), atol=1e-12)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"smpl_poses": np.zeros((90, 69))}, r"smpl_poses must be \(T,72\)"),
        ({"smpl_trans": np.zeros((89, 3))}, r"smpl_trans must be \(90,3\)"),
        ({"smpl_scaling": np.array([0.0])}, "smpl_scaling must be one positive number"),
        ({"smpl_trans": np.full((90, 3), np.nan)}, "smpl_trans: 270 non-finite"),
    ],
)
def test_aist_bad_contents_name_the_file(tmp_path, overrides, message):
    path = _aist_pickle(tmp_path / "bad_aist.pkl", **overrides)
    with pytest.raises(ValueError, match=message) as error:
        read_aist_pkl(path)
    assert "bad_aist.pkl" in str(error.value)


def test_aist_missing_keys_and_garbage_are_named(tmp_path):
    (tmp_path / "keys.pkl").write_bytes(pickle.dumps({"smpl_poses": np.zeros((2, 72))}))
    with pytest.raises(ValueError, match=r"keys.pkl: missing keys \['smpl_trans', 'smpl_scaling'\]"):
        read_aist_pkl(tmp_path / "keys.pkl")
    (tmp_path / "junk.pkl").write_bytes(b"\x00junk")
    with pytest.raises(ValueError, match="junk.pkl: not a readable pickle"):
        read_aist_pkl(tmp_path / "junk.pkl")


# ---- BVH --------------------------------------------------------------------------------------------


def test_euler_zxy_round_trip_including_gimbal_lock():
    rng = np.random.default_rng(0)
    angles = rng.uniform(-180, 180, size=(200, 3))
    angles[:, 1] = rng.uniform(-89, 89, size=200)
    angles[:3, 1] = [90.0, -90.0, 89.9999999]
    matrices = euler_to_matrix(angles, "ZXY")
    np.testing.assert_allclose(euler_to_matrix(matrix_to_euler_zxy(matrices), "ZXY"), matrices, atol=1e-9)
    np.testing.assert_allclose(matrix_to_euler_zxy(matrices)[3:], angles[3:], atol=1e-9)


def test_bvh_round_trip_smpl24(tmp_path, smpl_motion):
    write_bvh(tmp_path / "m.bvh", smpl_motion)
    text = (tmp_path / "m.bvh").read_text()
    assert "ROOT pelvis" in text and "CHANNELS 3 Zrotation Xrotation Yrotation" in text
    assert text.count("End Site") == 5  # head, both feet, both hands
    bvh = read_bvh(tmp_path / "m.bvh")
    assert bvh.fps == pytest.approx(30.0, rel=1e-8) and len(bvh.names) == 24
    order = [bvh.names.index(name) for name in SMPL24.joint_names]
    np.testing.assert_allclose(bvh.positions()[:, order], smpl_motion.positions(), atol=1e-5)
    back = load_motion(tmp_path / "m.bvh")
    assert back.skeleton.name == "smpl24"
    np.testing.assert_allclose(back.positions(), smpl_motion.positions(), atol=1e-5)


def test_bvh_round_trip_smplx55_in_metres(tmp_path, mofea319):
    motion = read_finedance(_save(tmp_path / "m.npy", mofea319))
    write_bvh(tmp_path / "m.bvh", motion, scale=1.0)
    back = read_bvh(tmp_path / "m.bvh", scale=1.0).to_motion()
    assert back.skeleton.name == "smplx55"
    np.testing.assert_allclose(back.positions(), motion.positions(), atol=1e-5)


HAND_WRITTEN_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 100 0
  CHANNELS 6 Xposition Yposition Zposition Xrotation Yrotation Zrotation
  JOINT Chest
  {
    OFFSET 0 10 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    JOINT Head
    {
      OFFSET 0 20 0
      CHANNELS 3 Yrotation Xrotation Zrotation
      End Site
      {
        OFFSET 0 5 0
      }
    }
  }
  JOINT Leg
  {
    OFFSET 10 0 0
    CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
    End Site
    {
      OFFSET 0 -40 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.04
1 2 3  0 0 0  0 0 0  0 0 0  10 0 0  0 0 0
0 0 0  0 0 90  90 0 0  0 0 0  10 0 0  0 0 0
"""


def test_generic_bvh_reader_hierarchy_channels_and_fk(tmp_path):
    (tmp_path / "hand.bvh").write_text(HAND_WRITTEN_BVH)
    bvh = read_bvh(tmp_path / "hand.bvh")
    assert bvh.names == ("Hips", "Chest", "Head", "Leg") and bvh.parents == (-1, 0, 1, 0)
    assert bvh.fps == pytest.approx(25.0)
    np.testing.assert_allclose(bvh.offsets, [[0, 1, 0], [0, 0.1, 0], [0, 0.2, 0], [0.1, 0, 0]])
    positions = bvh.positions()
    np.testing.assert_allclose(positions[0], [[0.01, 1.02, 0.03], [0.01, 1.12, 0.03], [0.01, 1.32, 0.03],
                                              [0.11, 1.02, 0.03]], atol=1e-12)  # fmt: skip
    # Frame 1: hips 90 deg about Z turn the chest and leg bones (+y -> -x, +x -> +y); the chest's own
    # 90 deg about X turns the head bone +y -> +z (unchanged by the hips' Z turn).
    np.testing.assert_allclose(positions[1], [[0, 1, 0], [-0.1, 1, 0], [-0.1, 1, 0.2], [0, 1.1, 0]], atol=1e-12)
    with pytest.raises(ValueError, match="are not SMPL and match no shipped skeleton map"):
        bvh.to_motion()


def test_animated_position_channels_on_a_non_root_joint_move_it(tmp_path):
    (tmp_path / "hand.bvh").write_text(HAND_WRITTEN_BVH.replace("10 0 0  0 0 0\n0 0 0", "12 0 0  0 0 0\n0 0 0"))
    bvh = read_bvh(tmp_path / "hand.bvh")
    assert bvh.translations is not None
    np.testing.assert_allclose(bvh.positions()[0, 3], [0.13, 1.02, 0.03], atol=1e-12)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("Frames: 2", "Frames: 3"), "header says 3 frames x 18 channels"),
        (lambda t: t.replace("JOINT Chest", "ROOT Chest"), "malformed BVH.*unexpected ROOT"),
        (lambda t: t.replace("Xrotation Yrotation Zrotation\n  JOINT", "Xrotation Yrotation Wrotation\n  JOINT"),
         "unknown channel 'Wrotation'"),
        (lambda t: t.replace("0.04", "0"), "frame time 0.0"),
        (lambda t: t[:40], "malformed BVH"),
        (lambda t: t.replace("1 2 3", "nan 2 3"), "non-finite"),
    ],
)
def test_bad_bvh_files_are_named(tmp_path, edit, message):
    path = tmp_path / "broken.bvh"
    path.write_text(edit(HAND_WRITTEN_BVH))
    with pytest.raises(ValueError, match=message) as error:
        read_bvh(path)
    assert "broken.bvh" in str(error.value)


def test_bvh_carries_its_own_fps(tmp_path, smpl_motion):
    write_bvh(tmp_path / "m.bvh", smpl_motion)
    with pytest.raises(ValueError, match="m.bvh: a BVH file carries its own frame rate"):
        load_motion(tmp_path / "m.bvh", fps=30)


# ---- positions and dispatch -----------------------------------------------------------------------


def test_read_positions_shapes_and_errors(tmp_path):
    single = _case_a("gt_positions", 30).astype(np.float32)
    np.testing.assert_array_equal(read_positions(_save(tmp_path / "one.npy", single)), single[None])
    stacked = np.stack([single, single + 1])
    assert read_positions(_save(tmp_path / "two.npy", stacked)).shape == (2, 30, 24, 3)
    with pytest.raises(ValueError, match=r"wrong.npy: joint positions must be \(N,T,J,3\) or \(T,J,3\)"):
        read_positions(_save(tmp_path / "wrong.npy", single[..., :2]))
    broken = single.copy()
    broken[3, 5, 1] = np.inf
    with pytest.raises(ValueError, match=r"inf.npy: 1 non-finite values \(NaN/inf\), first at index \(0, 3, 5, 1"):
        read_positions(_save(tmp_path / "inf.npy", broken))


def test_load_motion_dispatches_on_layout(tmp_path, mofea319):
    for name, array in (("a319.npy", mofea319), ("a315.npy", mofea319[:, 4:]), ("a139.npy", mofea319[:, :139])):
        motion = load_motion(_save(tmp_path / name, array))
        assert motion.skeleton.name == "smplx55" and motion.num_frames == 60 and motion.fps == 30.0
    assert load_motion(_aist_pickle(tmp_path / "x.pkl")).fps == 60.0


def test_load_motion_rejects_unknown_layouts(tmp_path):
    with pytest.raises(ValueError, match=r"cols.npy: unknown motion layout \(10, 200\)"):
        load_motion(_save(tmp_path / "cols.npy", np.zeros((10, 200))))
    with pytest.raises(ValueError, match="pos.npy.*looks like joint positions: save them as .npz with `positions`"):
        load_motion(_save(tmp_path / "pos.npy", np.zeros((10, 24, 3))))
    with pytest.raises(ValueError, match=r"clip.fbx: unknown motion file type '.fbx'"):
        load_motion(tmp_path / "clip.fbx")
    with pytest.raises(FileNotFoundError, match="absent.pkl"):
        load_motion(tmp_path / "absent.pkl")
