"""Other rigs onto SMPL-24: BVH files with static roots and mixed channel orders, named joint positions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from models.body.bvh import read_bvh
from models.body.formats import load_motion
from models.body.motion import Motion
from models.body.named_positions import read_named_positions
from models.body.retarget import bone_direction_errors
from models.body.rotations import axis_angle_to_matrix
from models.body.skeleton import SMPL24
from models.body.skeleton_map import (
    SkeletonMap,
    detect_skeleton_map,
    read_skeleton_map,
    shipped_map_names,
    skeleton_map,
)
from tests.golden import GOLDEN

# SMPL-24 joints renamed as a Mixamo rig (the map's collar is a virtual joint, its hand LeftHandMiddle1)
MIXAMO_NAMES = {
    "pelvis": "Hips", "left_hip": "LeftUpLeg", "right_hip": "RightUpLeg", "spine1": "Spine",
    "left_knee": "LeftLeg", "right_knee": "RightLeg", "spine2": "Spine1", "left_ankle": "LeftFoot",
    "right_ankle": "RightFoot", "spine3": "Spine2", "left_foot": "LeftToeBase", "right_foot": "RightToeBase",
    "neck": "Neck", "left_collar": "LeftShoulder", "right_collar": "RightShoulder", "head": "Head",
    "left_shoulder": "LeftArm", "right_shoulder": "RightArm", "left_elbow": "LeftForeArm",
    "right_elbow": "RightForeArm", "left_wrist": "LeftHand", "right_wrist": "RightHand",
    "left_hand": "LeftHandMiddle1", "right_hand": "RightHandMiddle1",
}  # fmt: skip
# SMPL-24 joint -> Xsens MVN segment (23 segments; L5 is halfway pelvis -> spine1, the hands have none)
XSENS_FROM_SMPL = {
    "Pelvis": "pelvis", "L3": "spine1", "T12": "spine2", "T8": "spine3", "Neck": "neck", "Head": "head",
    "RightShoulder": "right_collar", "RightUpperArm": "right_shoulder", "RightForeArm": "right_elbow",
    "RightHand": "right_wrist", "LeftShoulder": "left_collar", "LeftUpperArm": "left_shoulder",
    "LeftForeArm": "left_elbow", "LeftHand": "left_wrist", "RightUpperLeg": "right_hip",
    "RightLowerLeg": "right_knee", "RightFoot": "right_ankle", "RightToe": "right_foot",
    "LeftUpperLeg": "left_hip", "LeftLowerLeg": "left_knee", "LeftFoot": "left_ankle", "LeftToe": "left_foot",
}  # fmt: skip
HAND_BONES = [SMPL24.joint_names.index(n) for n in ("left_hand", "right_hand")]
# the map's virtual collars move spine3's best fit, so its child bones (neck, collars) and the shoulders differ
COLLAR_BONES = [SMPL24.joint_names.index(n)
                for n in ("neck", "left_collar", "right_collar", "left_shoulder", "right_shoulder")]  # fmt: skip


@pytest.fixture(scope="module")
def dancer() -> Motion:
    load = lambda name: np.load(GOLDEN / f"caseA/inputs/{name}.npy")[0, :60].astype(np.float64)  # noqa: E731
    return Motion(load("gt_axis_angle_seq0_slice"), load("gt_trans_seq0_slice"), 30)


def _write_rig_bvh(path: Path, motion: Motion, orders: dict[str, str], frame_time: str = "0.0333333") -> Path:
    """The motion as a Mixamo-named BVH under a static 'Reference' root, Hips animated, per-joint channel orders."""
    names = [MIXAMO_NAMES[n] for n in SMPL24.joint_names]
    lines = ["HIERARCHY", "ROOT Reference", "{", "  OFFSET 0 0 0", "  CHANNELS 0"]
    order: list[int] = []

    def emit(j: int, depth: int) -> None:
        pad = "  " * depth
        order.append(j)
        offset = np.zeros(3) if j == 0 else SMPL24.offsets[j] * 100
        axes = orders.get(names[j], "ZXY")
        position = "6 Xposition Yposition Zposition " if j == 0 else "3 "
        lines.extend([f"{pad}JOINT {names[j]}", f"{pad}{{", f"{pad}  OFFSET {offset[0]} {offset[1]} {offset[2]}",
                      f"{pad}  CHANNELS {position}" + " ".join(f"{a}rotation" for a in axes)])  # fmt: skip
        for child in SMPL24.children(j):
            emit(child, depth + 1)
        if not SMPL24.children(j):
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET 0 -3 0", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    emit(0, 1)
    lines.append("}")
    matrices = axis_angle_to_matrix(motion.rotations)
    columns = [motion.positions()[:, 0] * 100]
    for j in order:
        axes = orders.get(names[j], "ZXY")
        columns.append(Rotation.from_matrix(matrices[:, j]).as_euler(axes, degrees=True))  # intrinsic: R = R1 R2 R3
    frames = np.concatenate(columns, axis=1)
    lines += ["MOTION", f"Frames: {motion.num_frames}", f"Frame Time: {frame_time}"]
    lines += [" ".join(f"{v:.8f}" for v in row) for row in frames]
    path.write_text("\n".join(lines) + "\n")
    return path


def _body_error(motion: Motion, targets: np.ndarray, skip: list[int]) -> float:
    errors = bone_direction_errors(motion, targets)
    keep = [j for j in range(1, SMPL24.num_joints) if j not in skip]
    return float(errors[:, keep].max())


@pytest.mark.parametrize("orders", [{}, {"Hips": "ZYX", "Spine": "XYZ", "LeftLeg": "YXZ", "RightArm": "XZY"}])
def test_bvh_with_static_root_and_another_rig_is_retargeted(tmp_path, dancer, orders):
    path = _write_rig_bvh(tmp_path / "rig.bvh", dancer, orders)
    bvh = read_bvh(path)
    assert bvh.names[:2] == ("Reference", "Hips") and bvh.translations is not None
    names = [MIXAMO_NAMES[n] for n in SMPL24.joint_names]
    file_joints = bvh.positions()[:, [bvh.names.index(n) for n in names]]
    np.testing.assert_allclose(file_joints, dancer.positions(), atol=1e-6)  # FK of the file = the dance
    motion = load_motion(path)  # Mixamo map detected from the joint names
    assert motion.skeleton.name == "smpl24" and motion.num_frames == dancer.num_frames
    assert motion.fps == pytest.approx(30.00003, rel=1e-6)  # the file's own rate; sets snap it
    assert _body_error(motion, dancer.positions(), COLLAR_BONES + HAND_BONES) < 1e-3  # degrees
    assert float(np.median(bone_direction_errors(motion, dancer.positions())[:, 1:])) < 0.5
    np.testing.assert_allclose(motion.positions()[:, 0], dancer.positions()[:, 0], atol=1e-6)


def test_unknown_rig_names_its_missing_joints_in_one_line(tmp_path, dancer):
    path = _write_rig_bvh(tmp_path / "rig.bvh", dancer, {})
    path.write_text(path.read_text().replace("LeftHandMiddle1", "LeftPalm"))
    with pytest.raises(ValueError, match=r"rig.bvh: joints .* match no shipped skeleton map \(closest 'mixamo' "
                                         r"lacks \['LeftHandMiddle1'\]\); pass --skeleton-map") as error:
        load_motion(path)
    assert "\n" not in str(error.value)


def xsens_positions(dancer: Motion) -> tuple[np.ndarray, list[str]]:
    """The dance as 23 Xsens MVN segment positions, z-up metres."""
    smpl = dancer.positions()
    names = list(XSENS_FROM_SMPL)
    columns = [smpl[:, SMPL24.joint_names.index(XSENS_FROM_SMPL[n])] for n in names]
    names.insert(1, "L5")
    columns.insert(1, (smpl[:, 0] + smpl[:, 3]) / 2)
    yup = np.stack(columns, axis=1)
    return np.stack([yup[..., 0], -yup[..., 2], yup[..., 1]], axis=-1), names  # y-up -> z-up


def test_23_joint_positions_npz_with_the_shipped_xsens_map(tmp_path, dancer):
    positions, names = xsens_positions(dancer)
    assert len(names) == 23
    path = tmp_path / "take.npz"
    np.savez(path, positions=positions, joint_names=np.array(names), fps=30.0)
    motion = load_motion(path)
    assert motion.num_frames == dancer.num_frames and motion.fps == 30.0
    assert _body_error(motion, dancer.positions(), HAND_BONES) < 1e-3
    np.testing.assert_allclose(motion.positions()[:, 0], dancer.positions()[:, 0], atol=1e-9)


def test_named_positions_csv_with_a_custom_map_file(tmp_path, dancer):
    """A CSV with a time column and its own joint names; the map YAML maps them onto SMPL-24 in centimetres."""
    names = [f"j{k:02d}" for k in range(24)]
    (tmp_path / "map.yaml").write_text("name: mine\nmetres_per_unit: 0.01\nup: y\njoints:\n"
                                       + "".join(f"  {s}: j{k:02d}\n" for k, s in enumerate(SMPL24.joint_names)))
    header = ["time"] + [f"{n}.{a}" for n in names for a in "xyz"]
    values = np.concatenate([np.arange(60)[:, None] / 30, dancer.positions().reshape(60, -1) * 100], axis=1)
    path = tmp_path / "take.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(f"{v:.9f}" for v in row) for row in values))
    named = read_named_positions(path)
    assert named.names == tuple(names) and named.fps == pytest.approx(30.0)
    motion = load_motion(path, skeleton_map=read_skeleton_map(tmp_path / "map.yaml"))
    assert _body_error(motion, dancer.positions(), []) < 1e-3


def test_named_positions_name_missing_joints_and_rate(tmp_path, dancer):
    positions, names = xsens_positions(dancer)
    np.savez(tmp_path / "short.npz", positions=positions[:, 1:], joint_names=np.array(names[1:]), fps=30.0)
    with pytest.raises(ValueError, match=r"short.npz: .*closest 'xsens_mvn' lacks \['Pelvis'\]"):
        load_motion(tmp_path / "short.npz")
    np.savez(tmp_path / "norate.npz", positions=positions, joint_names=np.array(names))
    with pytest.raises(ValueError, match="norate.npz: joint positions carry no frame rate"):
        load_motion(tmp_path / "norate.npz")
    assert load_motion(tmp_path / "norate.npz", fps=30).fps == 30.0
    np.savez(tmp_path / "bad.npz", positions=positions[:, :5], joint_names=np.array(names))
    with pytest.raises(ValueError, match=r"bad.npz: positions must be \(T,23,3\)"):
        read_named_positions(tmp_path / "bad.npz")


def test_shipped_maps_load_and_maps_are_validated(tmp_path):
    assert {"cmu", "mixamo", "xsens_mvn"} <= set(shipped_map_names())
    for name in shipped_map_names():
        assert skeleton_map(name).name == name
    with pytest.raises(ValueError, match=r"missing SMPL-24 joints \['head'\]"):
        SkeletonMap("partial", {j: {j: 1.0} for j in SMPL24.joint_names if j != "head"})
    (tmp_path / "bad.yaml").write_text("name: bad\njoints: [1, 2]\n")
    with pytest.raises(ValueError, match="bad.yaml: not a valid skeleton map"):
        read_skeleton_map(tmp_path / "bad.yaml")


def test_namespaced_mixamo_names_are_detected(dancer):
    names = [f"mixamorig:{MIXAMO_NAMES[n]}" for n in SMPL24.joint_names]
    mapping = detect_skeleton_map(names, "take.fbx.bvh")
    assert mapping.name == "mixamo"
    targets = mapping.targets(dancer.positions() * 100, names)
    np.testing.assert_allclose(targets[:, 0], dancer.positions()[:, 0], atol=1e-12)
