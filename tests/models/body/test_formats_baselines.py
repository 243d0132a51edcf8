"""Each baseline's released output layout, written here as that baseline writes it, read back into Motion."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from models.body.formats import load_motion, write_aist_pkl
from models.body.formats_baselines import (
    detect_layout,
    output_id,
    read_bailando,
    read_edge_pkl,
    read_fact_npy,
    read_lodge_npy,
)
from models.body.formats_edge import YUP_TO_ZUP, to_zup
from models.body.motion import Motion
from models.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from tests.golden import GOLDEN


@pytest.fixture(scope="module")
def dancer() -> Motion:
    load = lambda name: np.load(GOLDEN / f"caseA/inputs/{name}.npy")[0, :60].astype(np.float64)  # noqa: E731
    return Motion(load("gt_axis_angle_seq0_slice"), load("gt_trans_seq0_slice"), 30)


def write_edge_pkl(path: Path, motion: Motion) -> Path:
    """As EDGE's render_sample saves motions: z-up root rotation and translation, joint positions in full_pose."""
    poses = motion.rotations.copy()
    poses[:, 0] = matrix_to_axis_angle(YUP_TO_ZUP @ axis_angle_to_matrix(poses[:, 0]))
    data = {"smpl_poses": poses.reshape(len(poses), 72), "smpl_trans": to_zup(motion.root_translation),
            "full_pose": to_zup(motion.positions())}  # fmt: skip
    with path.open("wb") as handle:
        pickle.dump(data, handle)
    return path


def write_bailando(path: Path, positions: np.ndarray) -> Path:
    """As Bailando's write2pkl: np.save of a dict to '<id>.pkl' (numpy appends .npy)."""
    np.save(path, {"pred_position": positions.reshape(len(positions), 72)})
    return path.with_name(path.name + ".npy")


def write_fact(path: Path, motion: Motion) -> Path:
    """As FACT (mint) results: 6 zero pads, translation, 24 rotation matrices per frame."""
    matrices = axis_angle_to_matrix(motion.rotations).reshape(motion.num_frames, 216)
    np.save(path, np.concatenate([np.zeros((motion.num_frames, 6)), motion.root_translation, matrices], axis=1))
    return path


def test_edge_pickle(tmp_path, dancer):
    path = write_edge_pkl(tmp_path / "e.pkl", dancer)
    assert detect_layout(path) == "edge"
    motion = read_edge_pkl(path)
    assert motion.fps == 30.0 and motion.skeleton.name == "smpl24"
    np.testing.assert_allclose(motion.positions(), dancer.positions(), atol=1e-9)


def test_edge_pickle_with_code_is_refused(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # exec, not print: ray (imported by other tests) replaces builtins.print
            return (exec, (f"open({str(marker)!r}, 'w')",))

    with (tmp_path / "evil.pkl").open("wb") as handle:
        pickle.dump({"smpl_poses": Evil(), "smpl_trans": 0, "full_pose": 0}, handle)
    with pytest.raises(ValueError, match=r"evil.pkl: refused pickle global builtins.exec"):
        read_edge_pkl(tmp_path / "evil.pkl")
    assert not marker.exists()


def test_bailando_positions(tmp_path, dancer):
    path = write_bailando(tmp_path / "gBR_sBM_cAll_d04_mBR0_ch01.pkl", dancer.positions())
    assert path.name.endswith(".pkl.npy") and output_id(path) == "gBR_sBM_cAll_d04_mBR0_ch01"
    assert detect_layout(path) == "bailando"
    np.testing.assert_allclose(read_bailando(path), dancer.positions())


def test_fact_results(tmp_path, dancer):
    path = write_fact(tmp_path / "f.npy", dancer)
    assert detect_layout(path) == "fact"
    motion = read_fact_npy(path)
    assert motion.fps == 60.0
    np.testing.assert_allclose(motion.positions(), dancer.positions(), atol=1e-9)


def test_lodge_finedance_npy(tmp_path):
    array = np.load(GOLDEN / "caseF/inputs/pred_motion315.npy")[0, :60]
    np.save(tmp_path / "l.npy", array)
    assert detect_layout(tmp_path / "l.npy") == "lodge"
    motion = read_lodge_npy(tmp_path / "l.npy")
    assert motion.skeleton.name == "smplx55" and motion.fps == 30.0
    np.testing.assert_allclose(motion.positions(), load_motion(tmp_path / "l.npy").positions())


def test_aist_pickle_detected(tmp_path, dancer):
    assert detect_layout(write_aist_pkl(tmp_path / "a.pkl", dancer.resample(60))) == "aist"


def test_unknown_layouts_name_the_file(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((5, 7)))
    with pytest.raises(ValueError, match=r"x.npy: array \(5, 7\) matches no known output layout"):
        detect_layout(tmp_path / "x.npy")
    with (tmp_path / "k.pkl").open("wb") as handle:
        pickle.dump({"poses": np.zeros(3)}, handle)
    with pytest.raises(ValueError, match=r"k.pkl: pickle keys \['poses'\] match no known output layout"):
        detect_layout(tmp_path / "k.pkl")
