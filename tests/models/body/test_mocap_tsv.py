"""RAMDanceToolkit TSV reader on the real Cyril take: clock, units, axes, hierarchy, joint map, bad files."""


import numpy as np
import pytest

from models.body.mocap_tsv import (
    INTERPOLATED_SMPL24_JOINTS,
    RAM_JOINT_NAMES,
    RAM_TO_SMPL24,
    read_ram_tsv,
    smpl24_targets,
)
from models.body.skeleton import SMPL24
from tests.golden import FIXTURES

CYRIL = FIXTURES / "motion" / "Cyril.tsv"


@pytest.fixture(scope="module")
def take():
    return read_ram_tsv(CYRIL)


def _joint(take, name):
    return take.positions[:, RAM_JOINT_NAMES.index(name)]


def test_cyril_is_resampled_from_its_timestamps(take):
    # 504 logger rows but 180 distinct samples spanning 14.1548 .. 22.3705 s -> 247 frames at 30 fps.
    assert take.name == "Cyril_2013-02-21_17-58-09"
    assert take.fps == 30.0
    assert take.positions.shape == (247, 23, 3)
    assert np.isfinite(take.positions).all()
    assert read_ram_tsv(CYRIL, fps=60.0).positions.shape == (493, 23, 3)


def test_first_frame_root_is_the_first_row_in_metres(take):
    np.testing.assert_allclose(_joint(take, "HIPS")[0], [-2.05281, 0.887024, 0.525188], atol=1e-9)


def test_cyril_is_y_up_metres_with_a_human_hierarchy(take):
    head, hips = _joint(take, "HEAD"), _joint(take, "HIPS")
    toes = np.stack([_joint(take, "LEFT_TOE"), _joint(take, "RIGHT_TOE")])
    assert np.all(head[:, 1] > hips[:, 1] + 0.3)
    assert 0.0 < toes[..., 1].min() < 0.1  # the floor is y = 0
    # Shin length is the constant RAM offset 33.25 cm: FK chains offsets through rotations correctly.
    shin = np.linalg.norm(_joint(take, "LEFT_ANKLE") - _joint(take, "LEFT_KNEE"), axis=-1)
    np.testing.assert_allclose(shin, 0.3325, atol=1e-4)
    # Labels agree with a right-handed frame: (left - right) x up points where the toes point.
    across = _joint(take, "LEFT_HIP") - _joint(take, "RIGHT_HIP")
    forward = np.cross(across, [0.0, 1.0, 0.0])
    toe_dir = sum(_joint(take, f"{side}_TOE") - _joint(take, f"{side}_ANKLE") for side in ("LEFT", "RIGHT"))
    assert np.all(np.sum(forward[:, [0, 2]] * toe_dir[:, [0, 2]], axis=-1) > 0)


def test_joint_map_covers_smpl24_and_names_real_ram_joints(take):
    assert set(RAM_TO_SMPL24) == set(SMPL24.joint_names)
    for mix in RAM_TO_SMPL24.values():
        assert set(mix) <= set(RAM_JOINT_NAMES)
        assert sum(mix.values()) == pytest.approx(1.0)
    assert set(INTERPOLATED_SMPL24_JOINTS) == {"pelvis", "spine3", "left_collar", "right_collar"}
    targets = smpl24_targets(take)
    assert targets.shape == (247, 24, 3)
    np.testing.assert_allclose(targets[:, SMPL24.joint_names.index("left_elbow")], _joint(take, "LEFT_ELBOW"))
    mid = (_joint(take, "CHEST") + _joint(take, "NECK")) / 2
    np.testing.assert_allclose(targets[:, SMPL24.joint_names.index("spine3")], mid, atol=1e-12)


def _write(tmp_path, rows):
    path = tmp_path / "take.tsv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def rows():
    return CYRIL.read_text().splitlines()[:6]


def test_truncated_row_names_file_and_line(tmp_path, rows):
    path = _write(tmp_path, [rows[0], rows[1][:200]])
    with pytest.raises(ValueError, match=rf"{path}: line 2: 23 joints need 188 fields"):
        read_ram_tsv(path)


def test_nan_value_is_rejected(tmp_path, rows):
    fields = rows[3].split("\t")
    fields[4] = "nan"
    with pytest.raises(ValueError, match=r"line 4: NaN"):
        read_ram_tsv(_write(tmp_path, rows[:3] + ["\t".join(fields)]))


def test_unknown_joints_and_backward_time_are_rejected(tmp_path, rows):
    with pytest.raises(ValueError, match="not the 23 RAMDanceToolkit joints"):
        read_ram_tsv(_write(tmp_path, [r.replace("ABDOMEN", "BELLY") for r in rows]))
    with pytest.raises(ValueError, match="timestamps go backwards"):
        read_ram_tsv(_write(tmp_path, [rows[5], rows[0]]))
    with pytest.raises(ValueError, match="two distinct timestamps"):
        read_ram_tsv(_write(tmp_path, rows[:1]))
    binary = tmp_path / "binary.tsv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not a readable RAMDanceToolkit TSV"):
        read_ram_tsv(binary)
