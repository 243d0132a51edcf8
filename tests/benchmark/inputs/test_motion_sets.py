"""Motion sets: frame rates within rounding of a whole rate are snapped (and recorded), other rigs are mapped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from benchmark.inputs.motion_sets import MotionSet, load_motion_set
from benchmark.protocols.registry import get_protocol
from models.body.formats import load_motion, write_bvh
from models.body.lodge_fk import lodge_smplx_fk
from models.body.motion import Motion
from tests.golden import GOLDEN
from tests.models.body.test_skeleton_map import xsens_positions

CASE_F = GOLDEN / "caseF" / "inputs"


def write_bvh_at(path: Path, motion: Motion, frame_time: str = "0.0333333") -> Path:
    """A BVH of the motion whose frame time is written with 7 decimals (1 / 0.0333333 = 30.00003 fps)."""
    write_bvh(path, motion)
    lines = path.read_text().splitlines()
    lines = [f"Frame Time: {frame_time}" if line.startswith("Frame Time:") else line for line in lines]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rates_within_rounding_are_snapped_and_recorded(tmp_path):
    motion315 = np.load(CASE_F / "pred_motion315.npy")
    (tmp_path / "mixed").mkdir()
    np.save(tmp_path / "mixed" / "a.npy", motion315[0, :90])  # FineDance .npy: 30 fps
    write_bvh_at(tmp_path / "mixed" / "b.bvh", load_motion(tmp_path / "mixed" / "a.npy"))
    assert load_motion(tmp_path / "mixed" / "b.bvh").fps == pytest.approx(30.00003, rel=1e-7)
    motion_set = load_motion_set(tmp_path / "mixed")
    assert motion_set.fps == 30.0 and motion_set.snapped_from == {"b": pytest.approx(30.00003, rel=1e-7)}
    assert {m.fps for m in motion_set.motions.values()} == {30.0}
    assert motion_set.motions["b"].num_frames == 90


def test_rates_that_really_differ_are_still_refused(tmp_path):
    motion315 = np.load(CASE_F / "pred_motion315.npy")
    np.save(tmp_path / "a.npy", motion315[0, :90])
    write_bvh_at(tmp_path / "b.bvh", load_motion(tmp_path / "a.npy"), "0.0333667")  # 29.97 fps
    with pytest.raises(ValueError, match="files have different frame rates"):
        load_motion_set(tmp_path)


def test_stacked_positions_snap_the_given_rate(tmp_path):
    np.save(tmp_path / "p.npy", np.zeros((2, 10, 24, 3)))
    motion_set = load_motion_set(tmp_path / "p.npy", fps=30.00003)
    assert motion_set.fps == 30.0 and set(motion_set.snapped_from) == {"seq000", "seq001"}


def test_lodge_protocol_uses_lodge_fk_on_files_and_on_the_encoding_of_in_memory_motions(tmp_path):
    motion = np.load(CASE_F / "gt_motion315.npy")[0, :30]
    np.save(tmp_path / "211.npy", motion)
    from_file = load_motion_set(tmp_path)
    lodge, v1 = get_protocol("finedance3d@lodge"), get_protocol("finedance3d@v1")
    joints = from_file.joints(lodge)["211"]
    np.testing.assert_array_equal(joints, lodge_smplx_fk(motion))  # the file's float32 values, LODGE's op sequence
    assert from_file.joints(v1)["211"].dtype == np.float64  # corrected protocol: the suite's float64 FK
    in_memory = MotionSet.from_motions("method", {"211": from_file.motion("211")})
    np.testing.assert_allclose(in_memory.joints(lodge)["211"], joints, rtol=0, atol=1e-6)


def test_folders_of_named_positions_with_a_skeleton_map_are_scored(tmp_path):
    """Two folders of 23-joint Xsens MVN .npz takes, retargeted onto SMPL-24 and scored end to end."""
    motion315 = np.load(CASE_F / "pred_motion315.npy")
    for role in ("gt", "pred"):
        (tmp_path / role).mkdir()
        for k in range(4):
            np.save(tmp_path / "tmp.npy", motion315[(k + (role == "pred")) % 6, :90])
            positions, names = xsens_positions(load_motion(tmp_path / "tmp.npy").to_smpl24())
            np.savez(tmp_path / role / f"take{k}.npz", positions=positions, joint_names=np.array(names))
    motion_set = load_motion_set(tmp_path / "gt", fps=30)
    assert motion_set.motions["take0"].skeleton.name == "smpl24" and motion_set.fps == 30.0
    out = tmp_path / "r.json"
    code = evaluate_main(["--protocol", "aist3d@v1", "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred"),
                          "--fps", "30", "--skeleton-map", "xsens_mvn", "--bootstrap", "20", "--out", str(out)])  # fmt: skip
    assert code == 0 and json.loads(out.read_text())["metrics"]["fid_k"]["value"] is not None
